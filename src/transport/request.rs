//! One request to AuthN (or, for cluster registration, to a cluster): what to send and how to
//! treat it when it fails. Every manager builds its requests here and hands them to the client.

use serde::Serialize;

use crate::error::{Entity, Error};
use crate::transport::names::segment;

/// The HTTP methods AuthN's API uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Method {
    Get,
    Post,
    Put,
    Delete,
}

impl Method {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Delete => "DELETE",
        }
    }
}

/// A request: method, path, body, and the facts that decide what a failure means.
#[derive(Debug)]
pub(crate) struct Request<'a> {
    pub(crate) method: Method,
    /// The path below the base URL (it names the request in logs and errors), or for an
    /// [`external`](Request::external) request the whole URL.
    pub(crate) path: String,
    /// True when `path` is a whole URL outside AuthN.
    pub(crate) external: bool,
    /// What the request addresses, so that a 404, 409 or 401 reply can be typed.
    pub(crate) entity: Entity<'a>,
    pub(crate) body: Option<Vec<u8>>,
    /// May it be sent again after an attempt that may have reached the server? True for
    /// AuthN's GET, PUT and DELETE, which are idempotent; false for POST.
    pub(crate) repeatable: bool,
    /// Does it need the client's token? False for AuthN's public endpoints, so a client with
    /// credentials does not log in just to read them.
    pub(crate) needs_token: bool,
    /// Sent without the client's token whatever it has (a request to a cluster that needs
    /// none).
    pub(crate) anonymous: bool,
    /// A secret the request carries (a password, a token), cut out of error messages.
    pub(crate) secret: Option<&'a str>,
}

impl<'a> Request<'a> {
    /// A request to a fixed path (a collection, `/v1/daemon`, ...). GET, PUT and DELETE count
    /// as repeatable.
    pub(crate) fn new(method: Method, path: impl Into<String>, entity: Entity<'a>) -> Self {
        Request {
            method,
            path: path.into(),
            external: false,
            entity,
            body: None,
            repeatable: method != Method::Post,
            needs_token: true,
            anonymous: false,
            secret: None,
        }
    }

    /// A request to the entity itself: `/v1/users/{id}`, `/v1/roles/{name}`,
    /// `/v1/clusters/{id}`, the name encoded as one path segment.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for a name that cannot be a path segment; `Entity::None`
    /// names no path.
    pub(crate) fn to(method: Method, entity: Entity<'a>) -> Result<Self, Error> {
        let (collection, kind, name) = match entity {
            Entity::User(id) => ("users", "user ID", id),
            Entity::Login(id) => ("users", "user ID", id),
            Entity::Role(name) => ("roles", "role name", name),
            Entity::Cluster(id) => ("clusters", "cluster ID or alias", id),
            Entity::None => {
                return Err(Error::InvalidArgument(
                    "a request to an entity needs one".into(),
                ))
            }
        };
        let name = segment(kind, name)?;
        let mut path = String::with_capacity(5 + collection.len() + name.len());
        for part in ["/v1/", collection, "/", &name] {
            path.push_str(part);
        }
        Ok(Request::new(method, path, entity))
    }

    /// `GET` of a whole URL outside AuthN (an AIS node), not repeatable-sensitive: a GET.
    pub(crate) fn external(url: &str) -> Self {
        Request {
            external: true,
            ..Request::new(Method::Get, url, Entity::None)
        }
    }

    /// With `body` as JSON.
    pub(crate) fn json<B: Serialize>(mut self, body: &B) -> Result<Self, Error> {
        self.body =
            Some(serde_json::to_vec(body).map_err(|e| Error::InvalidArgument(e.to_string()))?);
        Ok(self)
    }

    /// Carrying `secret`, which must not show in an error.
    pub(crate) fn secret(mut self, secret: &'a str) -> Self {
        self.secret = Some(secret);
        self
    }

    /// Not to be sent again once it may have reached the server, whatever its method.
    pub(crate) fn once(mut self) -> Self {
        self.repeatable = false;
        self
    }

    /// Sent with no token at all.
    pub(crate) fn without_token(mut self) -> Self {
        self.needs_token = false;
        self.anonymous = true;
        self
    }

    /// For an endpoint anyone may call: sent with the client's token if it has one, but no
    /// reason to log in first.
    pub(crate) fn public(mut self) -> Self {
        self.needs_token = false;
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_come_from_the_entity() {
        let r = Request::to(Method::Get, Entity::User("a b")).unwrap();
        assert_eq!(r.path, "/v1/users/a%20b");
        assert!(r.repeatable && r.needs_token && !r.external);
        let r = Request::to(Method::Post, Entity::Login("bob")).unwrap();
        assert_eq!((r.path.as_str(), r.repeatable), ("/v1/users/bob", false));
        let r = Request::to(Method::Delete, Entity::Cluster("c1")).unwrap();
        assert_eq!(r.path, "/v1/clusters/c1");
        assert!(Request::to(Method::Get, Entity::Role("a/b")).is_err());
        assert!(Request::to(Method::Get, Entity::None).is_err());
        let r = Request::new(Method::Put, "/v1/daemon", Entity::None).once();
        assert!(!r.repeatable);
    }
}
