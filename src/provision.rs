//! Declarative provisioning: write down the clusters, roles and users AuthN should hold (a
//! [`Spec`], JSON), read it with [`Spec::from_json`], and check it with [`Spec::validate`],
//! which reports every problem with its JSON path and sends nothing.

pub use crate::spec::{
    AclSpec, ClusterSpec, PasswordSource, RoleSpec, Spec, UserSpec, ValidationError,
    ValidationErrors,
};
