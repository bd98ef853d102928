//! Integration tests: the real application on a random port with a fresh SQLite file, driven
//! over real HTTP. One test binary keeps link time down.

mod assets;
mod auth;
mod binary;
mod health;
mod helpers;
mod jwks;
mod openapi;
mod pages;
mod postgres;
pub mod process;
mod tasks;
mod tokens;
