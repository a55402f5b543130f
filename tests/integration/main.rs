//! The one integration test binary: each module tests one area through the real CLI.

mod catalog;
mod httpd;
mod render;
mod support;
mod tools;
