//! Integration tests: the real application on a random port with a fresh SQLite file (or a
//! fresh Postgres database), driven over real HTTP, and the reliability suite against the
//! shipped binary. One test binary keeps link time down; `helpers` and `process` are the
//! test support every module shares.

mod account;
mod assets;
mod auth;
mod binary;
mod hardening;
mod health;
mod helpers;
mod import;
mod jwks;
mod mail;
mod old_clients;
mod openapi;
mod organize;
mod pages;
mod postgres;
pub mod process;
mod production;
mod reliability;
mod smtp;
mod tasks;
mod tokens;
