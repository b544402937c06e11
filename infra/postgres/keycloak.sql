-- Keycloak's own database (docker compose; the local stack creates it with a role of its own).
CREATE DATABASE keycloak;
