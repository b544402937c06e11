-- One database per service (and the console, for its replay audit): each owns its data and no other reads it.
CREATE DATABASE orders;
CREATE DATABASE conference_bridge;
CREATE DATABASE billing;
CREATE DATABASE crm;
CREATE DATABASE mailing;
CREATE DATABASE console;
