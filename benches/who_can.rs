//! `who-can` over 1,000 users holding 10 roles each, after its reads: how long
//! [`AccessReview::who_can`] takes on values already read (the three GETs are not timed; the
//! `authn_peers` harness measures requests). Prints one row; the target is 100 ms on the
//! project's 2-core machine. `cargo bench --bench who_can`.

use std::time::{Duration, Instant};

use aistore_authn::{
    AccessAttr, AccessReview, Bucket, ClusterInfo, ClusterMap, RoleInfo, RolesList, UserInfo,
    UserMap,
};

const USERS: usize = 1000;
const ROLES_PER_USER: usize = 10;
const ROLES: usize = 100;
const ROUNDS: usize = 20;

fn main() {
    let clusters: ClusterMap = (0..3)
        .map(|i| {
            let id = format!("uuid-{i}");
            (id.clone(), ClusterInfo::new(&id, &format!("c{i}"), &[]))
        })
        .collect();
    // Roles as AuthN keeps them: a cluster entry, an all-clusters one for some, a bucket entry.
    let roles: Vec<RoleInfo> = (0..ROLES)
        .map(|r| {
            let perm = match r % 4 {
                0 => AccessAttr::ACCESS_RO,
                1 => AccessAttr::GET | AccessAttr::OBJ_LIST,
                2 => AccessAttr::CLUSTER_ACCESS_RO,
                _ => AccessAttr::PUT,
            };
            let mut role = RoleInfo::new(&format!("role-{r}"), "")
                .with_cluster(&format!("uuid-{}", r % 3), perm)
                .with_bucket(
                    &format!("uuid-{}", r % 3),
                    "ais",
                    &format!("b{}", r % 20),
                    AccessAttr::ACCESS_RW,
                );
            if r % 10 == 0 {
                role = role.with_all_clusters(AccessAttr::GET);
            }
            role
        })
        .collect();
    let users: UserMap = (0..USERS)
        .map(|u| {
            let id = format!("user-{u:04}");
            let held: Vec<RoleInfo> = (0..ROLES_PER_USER)
                .map(|k| roles[(u * 7 + k * 13) % ROLES].clone())
                .collect();
            (id.clone(), UserInfo::new(&id, held))
        })
        .collect();
    let review = AccessReview::new(users, RolesList::from(roles), clusters);
    let bucket = Bucket::parse("ais://b7").unwrap();
    let perms = AccessAttr::OBJ_DELETE;

    let mut times: Vec<Duration> = Vec::with_capacity(ROUNDS);
    let mut allowed = 0;
    for _ in 0..ROUNDS {
        let start = Instant::now();
        let who = review.who_can("c1", Some(&bucket), perms).unwrap();
        times.push(start.elapsed());
        allowed = who.users.len();
    }
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "| who-can, {USERS} users x {ROLES_PER_USER} roles, after its reads | median {:.1} ms | \
         max {:.1} ms | target 100 ms | {allowed} users allowed | {ROUNDS} rounds |",
        ms(times[ROUNDS / 2]),
        ms(times[ROUNDS - 1])
    );
}
