//! Saved plans (`Plan::save`, `SavedPlan`) against the real AuthN server: carried out exactly,
//! refused with a typed error when the server changed, for another server, or edited; the
//! reads they send (through a counting proxy).

use std::path::PathBuf;

use crate::counter::Counter;
use crate::support::TestServer;
use aistore_authn::provision::{
    apply, plan, ApplyOptions, PlanOptions, SavedPlan, SavedPlanError, Spec,
};
use aistore_authn::{AccessAttr, RoleInfo};
use aistore_authn_testkit::LocalServer;

const PW: &str = "saved-pl4n-s3cret";

fn names(plan: &aistore_authn::provision::Plan) -> Vec<String> {
    plan.actions()
        .iter()
        .map(|a| format!("{} {} {}", a.op, a.kind, a.name))
        .collect()
}

#[test]
fn a_saved_plan_is_refused_while_the_server_differs_and_carried_out_once_it_is_back() {
    let server = TestServer::from_local(LocalServer::start().expect("start the real AuthN server"));
    let admin = server.admin();
    let counter = Counter::start(&server.url);
    let client = counter.client(&admin);
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("provision-saved-test");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("pw"), format!("{PW}\n")).unwrap();
    let spec = Spec::from_json(
        r#"{"clusters": [{"id": "uuid-saved", "alias": "cs"}],
            "roles": [{"name": "ops", "acls": [{"cluster": "cs", "perms": "ro"}]}],
            "users": [{"id": "alice", "roles": ["ops", "Guest-cs"], "password": {"file": "pw"}}]}"#,
    )
    .unwrap()
    .with_base_dir(&dir);

    let planned = plan(&client, &spec, &PlanOptions::new()).unwrap();
    counter.take();
    let text = planned.save().unwrap().to_json();
    assert!(!text.contains(PW), "{text}");
    let saved = SavedPlan::from_json(&text).unwrap();
    assert_eq!(saved.server_url(), client.base_url());

    // Another base URL (the server itself, not the proxy the plan was made through).
    match saved.check(&admin) {
        Err(SavedPlanError::OtherServer {
            planned, current, ..
        }) => {
            assert_eq!(
                (planned.as_str(), current.as_str()),
                (client.base_url(), admin.base_url())
            );
        }
        other => panic!("{other:?}"),
    }

    // The server changes: refused, naming the change, after the three reads only.
    let intruder = RoleInfo::new("intruder", "").with_all_clusters(AccessAttr::ACCESS_RO);
    admin.role_manager().create_role(&intruder).unwrap();
    match saved.check(&client) {
        Err(SavedPlanError::Stale { changes, .. }) => {
            assert_eq!(changes, ["role intruder was created"]);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        counter.take(),
        ["GET /v1/clusters", "GET /v1/roles", "GET /v1/users"]
    );

    // An edited spec in the file: the server is as recorded, the actions are not.
    admin.role_manager().delete("intruder", false).unwrap();
    let mut edited: serde_json::Value = serde_json::from_str(&text).unwrap();
    edited["spec"]["roles"][0]["acls"][0]["perms"] = "rw".into();
    match SavedPlan::from_json(&edited.to_string())
        .unwrap()
        .check(&client)
    {
        Err(SavedPlanError::ActionsDiffer { differences, .. }) => {
            assert_eq!(differences, ["#1 create role ops: its details differ"]);
        }
        other => panic!("{other:?}"),
    }
    counter.take();

    // The server is back as it was: the plan is the one saved, and it is carried out.
    let checked = saved.check(&client).unwrap();
    assert_eq!(names(&checked), names(&planned));
    assert_eq!(
        serde_json::to_value(&checked).unwrap(),
        serde_json::to_value(&planned).unwrap()
    );
    let report = apply(&client, &checked, &ApplyOptions::new());
    assert!(report.is_success(), "{report}");
    let mut alice = aistore_authn::Client::builder(&server.url)
        .proxy_from_env(false)
        .build()
        .unwrap();
    alice.login("alice", PW, None).unwrap();
    assert!(plan(&client, &spec, &PlanOptions::new())
        .unwrap()
        .is_empty());

    // Once applied, the same file is stale: its own changes are the server's.
    match saved.check(&client) {
        Err(SavedPlanError::Stale { changes, .. }) => {
            assert!(
                changes.contains(&"cluster uuid-saved was created".to_owned()),
                "{changes:?}"
            );
            assert!(
                changes.contains(&"user alice was created".to_owned()),
                "{changes:?}"
            );
        }
        other => panic!("{other:?}"),
    }
}
