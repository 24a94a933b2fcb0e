"""Benchmark peer: the Python AuthN SDK (`aistore==2.0.0`) driven through the same operations
as the Rust SDK, the raw-HTTP limit and the Go client.

Run by the authn_peers bench (benches/authn_peers/) in a throwaway venv; not meant to be run
by hand:

    python peer.py --spec SPEC.json --op OP --budget SECS --max-iters N --warmup N --count-iters K
    python peer.py --provision --spec PROV-SPEC.json --op loop --parallel 1

It times OP against spec["url"] for up to --budget seconds (or --max-iters iterations), then
runs it --count-iters more times against spec["proxy_url"] (the harness's counting proxy),
and prints one JSON line with the results.

With --provision it creates spec["users"] users holding spec["roles"], one after the other
with `user_manager().create(...)`, through spec["apply_proxy_url"] (the proxy counts this
timed run itself), and prints one JSON line.
"""

import argparse
import json
import math
import resource
import sys
import threading
import time

from aistore.sdk.authn import AuthNClient


def make_op(spec, op, url):
    """One iteration of `op` against `url`, and whether it is the multi-threaded op."""
    client = AuthNClient(url, token=spec["token"])
    users, roles = client.user_manager(), client.role_manager()
    new_user = spec["new_user_prefix"] + "-py"
    if op in ("get_user", "get_user_mt"):
        return (lambda: users.get(spec["user"])), op == "get_user_mt"
    if op == "list_users":
        return (lambda: users.list()), False
    if op == "get_role":
        return (lambda: roles.get(spec["role"])), False
    if op == "list_roles":
        return (lambda: roles.list()), False
    if op in ("create_delete_1", "create_delete_5"):
        names = spec["roles1"] if op == "create_delete_1" else spec["roles5"]

        def create_delete():
            users.create(new_user, names, spec["password"])
            users.delete(new_user)

        return create_delete, False
    if op == "update_password":
        return (lambda: users.update(spec["upd_user"], password=spec["password"])), False
    if op == "update_roles_5":
        return (lambda: users.update(spec["upd_user"], roles=spec["roles5"])), False
    if op == "login":
        anon = AuthNClient(url)
        return (lambda: anon.login(spec["login_user"], spec["password"])), False
    sys.exit(f"peer.py: unknown op {op!r}")


def percentile(sorted_ns, q):
    if not sorted_ns:
        return 0.0
    i = max(math.ceil(q * len(sorted_ns)) - 1, 0)
    return sorted_ns[i] / 1e3


def cpu():
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return ru.ru_utime + ru.ru_stime


def provision(spec):
    """The provisioning row: a sequential loop of `create` over the benchmark's users."""
    client = AuthNClient(spec["apply_proxy_url"], token=spec["token"])
    users = client.user_manager()
    names = [f'{spec["user_prefix"]}{i:04d}' for i in range(spec["users"])]
    lat = []
    clock = time.perf_counter_ns
    cpu0 = cpu()
    start = clock()
    for name in names:
        t0 = clock()
        users.create(name, spec["roles"], spec["password"])
        lat.append(clock() - t0)
    elapsed = (clock() - start) / 1e9
    cpu_s = cpu() - cpu0
    lat.sort()
    print(
        json.dumps(
            {
                "peer": "python",
                "op": "loop",
                "parallel": 1,
                "users": len(names),
                "elapsed_s": elapsed,
                "cpu_s": cpu_s,
                "rss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
                "p50_us": percentile(lat, 0.50),
                "p99_us": percentile(lat, 0.99),
            }
        )
    )


def main():
    if "--provision" in sys.argv:
        ap = argparse.ArgumentParser()
        ap.add_argument("--provision", action="store_true")
        ap.add_argument("--spec", required=True)
        ap.add_argument("--op", choices=["loop"], default="loop")
        ap.add_argument("--parallel", type=int, choices=[1], default=1)
        args = ap.parse_args()
        with open(args.spec, encoding="utf-8") as f:
            provision(json.load(f))
        return
    ap = argparse.ArgumentParser()
    ap.add_argument("--spec", required=True)
    ap.add_argument("--op", required=True)
    ap.add_argument("--budget", type=float, default=2.0)
    ap.add_argument("--max-iters", type=int, default=100000)
    ap.add_argument("--warmup", type=int, default=10)
    ap.add_argument("--count-iters", type=int, default=3)
    args = ap.parse_args()
    with open(args.spec, encoding="utf-8") as f:
        spec = json.load(f)

    run, mt = make_op(spec, args.op, spec["url"])
    threads = spec["threads"] if mt else 1
    for _ in range(args.warmup):
        run()
    budget_ns = int(args.budget * 1e9)
    per_thread = [[] for _ in range(threads)]
    errors = []
    cpu0 = cpu()
    start = time.perf_counter_ns()

    def worker(lat):
        clock = time.perf_counter_ns
        try:
            while len(lat) < args.max_iters // threads and clock() - start < budget_ns:
                t0 = clock()
                run()
                lat.append(clock() - t0)
        except Exception as e:  # pylint: disable=broad-except
            errors.append(e)

    if threads == 1:
        worker(per_thread[0])
    else:
        pool = [threading.Thread(target=worker, args=(per_thread[t],)) for t in range(threads)]
        for t in pool:
            t.start()
        for t in pool:
            t.join()
    elapsed = (time.perf_counter_ns() - start) / 1e9
    cpu_s = cpu() - cpu0
    if errors:
        raise errors[0]
    lat = sorted(x for l in per_thread for x in l)

    counted, _ = make_op(spec, args.op, spec["proxy_url"])
    for _ in range(args.count_iters):
        counted()

    print(
        json.dumps(
            {
                "peer": "python",
                "op": args.op,
                "threads": threads,
                "iters": len(lat),
                "elapsed_s": elapsed,
                "ops_per_s": len(lat) / elapsed,
                "p50_us": percentile(lat, 0.50),
                "p99_us": percentile(lat, 0.99),
                "rss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
                "cpu_s": cpu_s,
                "count_iters": args.count_iters,
            }
        )
    )


if __name__ == "__main__":
    main()
