//! The data AuthN keeps and hands out: users, roles, clusters and their ACLs
//! ([`info`]), permission bits ([`access_attr`]), buckets ([`bucket`]), tokens ([`token`]),
//! and the server's configuration, discovery document and signing keys ([`server`]).
//! No I/O: these types only parse, print and (de)serialize.

pub(crate) mod access_attr;
pub(crate) mod bucket;
pub(crate) mod info;
pub(crate) mod server;
pub(crate) mod token;
