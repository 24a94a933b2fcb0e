//! The AuthN API: one manager per kind of thing the server keeps, each borrowing the
//! [`Client`](crate::client::Client) and sending its requests through it.

pub(crate) mod access_review;
pub(crate) mod clusters;
pub(crate) mod role_update;
pub(crate) mod roles;
pub(crate) mod server;
pub(crate) mod tokens;
pub(crate) mod users;
