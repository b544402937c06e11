-- One database per service: each service owns its data and no other reads it.
CREATE DATABASE orders;
CREATE DATABASE conference_bridge;
CREATE DATABASE billing;
CREATE DATABASE crm;
CREATE DATABASE mailing;
