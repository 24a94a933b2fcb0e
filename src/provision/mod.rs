//! Declarative provisioning: write down the clusters, roles and users AuthN should hold (a
//! [`Spec`], JSON), see what it takes to get there ([`plan`]), do it ([`apply`]), and read a
//! server back as a spec ([`export`]).
//!
//! # The spec
//!
//! ```
//! use aistore_authn::provision::Spec;
//!
//! let spec = Spec::from_json(r#"{
//!   "clusters": [
//!     {"id": "eTdL4YGHN", "alias": "c1", "urls": ["https://ais-proxy:8080"]},
//!     {"id": "aX9kq2ZpQ", "alias": "c2"}
//!   ],
//!   "roles": [
//!     {"name": "ops", "description": "operators of c1, log readers on c2",
//!      "acls": [{"cluster": "c1", "perms": "rw,CREATE-BUCKET,DESTROY-BUCKET"},
//!               {"cluster": "c2", "bucket": "s3://logs", "perms": "ro"}]},
//!     {"name": "readers", "description": "read everything",
//!      "acls": [{"cluster": "*", "perms": "ro"}]}
//!   ],
//!   "users": [
//!     {"id": "alice", "roles": ["ops", "Guest-c2"], "password": {"env": "ALICE_PASSWORD"}},
//!     {"id": "bob", "roles": ["readers", "auditors"], "password": {"file": "/run/secrets/bob"}},
//!     {"id": "carol", "roles": ["readers"], "password": {"env": "CAROL_PASSWORD"},
//!      "reset_password": true}
//!   ],
//!   "external_roles": ["auditors"]
//! }"#)?;
//! assert_eq!(spec.roles[0].acls[1].bucket.as_deref(), Some("s3://logs"));
//! # Ok::<(), aistore_authn::provision::ValidationErrors>(())
//! ```
//!
//! | field | what |
//! |---|---|
//! | `clusters[]` | `id` (the cluster-map UUID), `alias` (optional), `urls` (optional: see [cluster URLs](#cluster-urls); with none AuthN contacts nothing), `allow_plain_http` (optional, default false: accept plain `http://` URLs to hosts other than loopback) |
//! | `roles[]` | `name`, `description` (optional), `acls[]` |
//! | `roles[].acls[]` | `cluster`: an ID or alias of a cluster in the spec or registered, or `*` for every cluster; `bucket` (optional): a bucket of that cluster as the `ais` CLI writes it (`ais://raw`, `s3://logs`, `gs://`, `az://`, `oc://`); `perms`: the CLI's words (`ro`, `rw`, `su`, `none`, `GET`, `CREATE-BUCKET`, ... joined by commas; see [`AccessAttr::parse`](crate::AccessAttr::parse)) |
//! | `users[]` | `id`; `roles`: exactly the roles the user holds; `password`: `{"env": "VAR"}` or `{"file": "path"}` (needed to create the user; see passwords below); `reset_password` (optional): set the password of an existing user too |
//! | `external_roles` | roles the users hold that the spec does not define; they must exist on the server (`plan` checks), and pruning keeps them |
//!
//! Unknown fields are errors ([`Spec::from_json`] reports each with its JSON path; plain serde
//! refuses them too). A user may hold a role of the spec, an external role, `Admin`, or a
//! role AuthN makes for a cluster of the spec (`ClusterOwner-<x>`, `BucketOwner-<x>`,
//! `Guest-<x>`, `<x>` the alias or else the ID).
//!
//! **Passwords** are never written in a spec: an inline `"password": "..."` is refused by
//! [`Spec::validate`] (and not kept). They are read from the environment or a file (without
//! its trailing newline) by `validate` (to check them) and by `plan` (to send them). A
//! password file must be a regular file of at most [`MAX_PASSWORD_FILE_BYTES`] (4 KiB; a
//! FIFO, a device or a directory is refused, the problem naming the path, never the content).
//! A relative path is read from the directory [`Spec::with_base_dir`] gives (the spec file's:
//! `ais-authn plan` and `apply` give it), else from the current directory. In
//! memory they are held in a redacting type, and neither `Debug` nor `Serialize` of a spec, a
//! plan or a report shows one. An existing user's password is left alone unless its entry
//! says `"reset_password": true`; AuthN cannot tell whether a password matches, so such a
//! spec plans the reset every time: remove the flag once applied.
//!
//! The built-ins `admin` (user) and `Admin` (role) cannot be in a spec.
//!
//! # Cluster URLs
//!
//! Registering a cluster with URLs, or changing its URLs, makes AuthN `POST {url}/v1/tokens`
//! to each with **an admin token** it signs for itself (`sub` `AuthN`, `admin: true`, valid 5
//! minutes) and a hash of its signing secret (the public key in RSA mode), and again on every
//! token revocation (see [`ClusterManager::register_with_id`](crate::ClusterManager::register_with_id)).
//! So each URL must be the cluster's, and a spec from someone else deserves a look at its
//! URLs: the text plan names every URL that will receive the token. A plain `http://` URL to a
//! host other than loopback is refused by [`Spec::validate`], [`plan`] and [`apply`] unless
//! the cluster's entry says `"allow_plain_http": true`.
//!
//! # Plan, apply, export
//!
//! ```no_run
//! use aistore_authn::provision::{apply, export, plan, ApplyOptions, PlanOptions, Spec};
//!
//! let client = aistore_authn::Client::from_env()?; // an admin token
//! let spec = Spec::from_json(&std::fs::read_to_string("authn.json")?)?;
//! spec.validate()?; // every problem with its JSON path; sends nothing
//!
//! // Three requests (GET clusters, roles, users), whatever the spec's size.
//! let plan = plan(&client, &spec, &PlanOptions::new().prune(false))?;
//! println!("{plan}"); // or serde_json::to_string_pretty(&plan)
//!
//! let report = apply(&client, &plan, &ApplyOptions::new().parallel(8));
//! println!("{report}"); // each action done, failed (with the error) or skipped (and why)
//! if report.is_success() {
//!     assert!(aistore_authn::provision::plan(&client, &spec, &PlanOptions::new())?.is_empty());
//! }
//!
//! // The server as a spec (no passwords: add sources before applying it elsewhere).
//! let current = export(&client)?;
//! println!("{}", serde_json::to_string_pretty(&current)?);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! [`plan`] compares the spec with what the server holds and lists [`Action`]s: create,
//! update, **recreate** or delete, each with the entity before and after, the exact requests,
//! and the actions it waits for. Its text (`Display`, what `ais-authn apply` shows before
//! asking) gives, below each action, a user's roles before and after (`roles: [ops] ->
//! [Admin, ops]`) and every `Admin` grant, and the URLs that will receive AuthN's admin
//! token. A plan that would take `Admin` from the user the client is logged in as is refused
//! unless [`PlanOptions::allow_own_admin_removal`] is set. A plan is read through
//! [`Plan::actions`]; the one edit is [`Plan::retain`] (apply then skips what waits for a
//! dropped action). AuthN stores clusters in role entries by ID, so aliases in
//! the spec are resolved (through the clusters list, including clusters the plan registers).
//! AuthN's role `PUT` merges entries and cannot remove one or clear a description; a role
//! that loses an entry is re-created (`DELETE`, `POST`), which also takes it from every user,
//! so each user holding it who should keep it gets a user update that gives it back, and the
//! plan says so on both actions. (Between the two, those users lack the role.) Likewise a
//! cluster whose alias or URLs the spec removes is unregistered and registered again.
//!
//! [`apply`] runs the clusters, then the roles, then the users, then the deletes; the
//! actions of each phase run on [`ApplyOptions::parallel`] threads sharing the one client.
//! A user create is **one** `POST /v1/users` (its roles were resolved by the plan). A failure
//! stops only what depends on it: a user whose role could not be created is skipped, with the
//! reason. The [`ApplyReport`] lists every action as done, failed (with the error and the
//! requests that did succeed) or skipped. AuthN silently drops a role it does not know from a
//! user's roles, so `apply` reads the users back once at the end and reports a user that
//! lacks a role it was given as failed ([`ApplyOptions::verify`]).
//!
//! Request counts: `plan` sends 3 requests; `apply` sends exactly the requests its actions
//! list, plus one `GET /v1/users` to verify; `export` sends 3.
//!
//! [`export`] leaves out `admin`, `Admin` and the roles AuthN made for the clusters while they
//! are unchanged, sorts everything, and carries no passwords: add password sources before
//! applying it elsewhere.
//!
//! # Saved plans
//!
//! [`Plan::save`] gives a [`SavedPlan`] to write to a file ([`SavedPlan::to_json`]) and carry
//! out later, exactly: [`SavedPlan::from_json`], then [`SavedPlan::check`] plans again (3
//! reads) and gives the plan to [`apply`] only when the client's server is the one recorded,
//! the server holds what it held when the plan was made (else [`SavedPlanError::Stale`],
//! each change in words) and the spec still gives the recorded actions. The file holds the
//! spec with its password *sources* (relative files made absolute), the options, the
//! server's URL and state, and the actions; never a password or a token.
//!
//! # Pruning
//!
//! With [`PlanOptions::prune`], users, roles and clusters the spec does not name are deleted
//! (after everything else), except:
//! - user `admin` and role `Admin`;
//! - the user the client is logged in as;
//! - roles listed in `external_roles`;
//! - the roles AuthN made for a cluster of the spec (`ClusterOwner-<x>`, `BucketOwner-<x>`,
//!   `Guest-<x>`, by the cluster's alias, ID, or the alias it had when they were made).
//!
//! The roles AuthN made for a cluster that is itself pruned are deleted with it (unless the
//! spec names them), so that the next plan is empty. [`Plan::protected`] lists what pruning
//! kept and why.
//!
//! # Benchmarks
//!
//! `apply(&client, &plan, &ApplyOptions::new().parallel(n))` runs a plan with `n` workers;
//! creating 1,000 users is 1,000 `POST /v1/users` plus the plan's 3 reads and one verifying
//! read (`.verify(false)` drops it).
//!
//! Measured (the repository's `benches/RESULTS.md`): 1,000 users with 3 roles each on a fresh
//! server on 2 cores, `apply` with 2, 4 or 8 workers runs at the server's capacity (0.96-0.98x
//! of raw parallel `POST`s at the same concurrency, about 32 users/s; every create is a bcrypt
//! hash on the server) and 2.1x a loop of the Python SDK's `create`; expect about
//! min(workers, server cores) times on bigger servers. A plan of the same spec against the
//! server holding it takes about 8 ms.

// The spec as written, read from JSON and checked; then, one way: the spec resolved
// (`desired`), the server read (`snapshot`), the entities diffed (`diff`) into a `plan`, which
// `apply` runs and `report`s on. `export` turns a snapshot back into a spec.
pub(crate) mod apply;
pub(crate) mod desired;
pub(crate) mod diff;
pub(crate) mod errors;
pub(crate) mod export;
pub(crate) mod json;
pub(crate) mod password;
pub(crate) mod plan;
pub(crate) mod report;
pub(crate) mod saved;
pub(crate) mod snapshot;
pub(crate) mod spec;
pub(crate) mod validate;

pub use crate::provision::apply::{
    apply, ApplyOptions, Progress, DEFAULT_PARALLEL, DEFAULT_STOP_AFTER_TRANSPORT_FAILURES,
};
pub use crate::provision::diff::plan;
pub use crate::provision::errors::{SavedPlanError, ValidationError, ValidationErrors};
pub use crate::provision::export::export;
pub use crate::provision::password::{PasswordSource, MAX_PASSWORD_FILE_BYTES};
pub use crate::provision::plan::{
    Action, Kind, Op, Plan, PlanOptions, Protected, State, UserState,
};
pub use crate::provision::report::{ApplyCounts, ApplyReport, Outcome, Status};
pub use crate::provision::saved::SavedPlan;
pub use crate::provision::spec::{AclSpec, ClusterSpec, RoleSpec, Spec, UserSpec};
