//! The SDK's module graph: each module names the modules it uses (`crate::module::Item`, not
//! a re-export from the crate root), and no module reaches one that reaches it back.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;

/// Each module of `src/` with the modules its non-test code uses.
fn module_graph() -> BTreeMap<String, BTreeSet<String>> {
    let mut graph = BTreeMap::new();
    for entry in fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/src")).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        if path.extension().is_none_or(|e| e != "rs") || name == "lib" || name == "proptests" {
            continue;
        }
        let text = fs::read_to_string(&path).unwrap();
        // Unit tests may use anything; only the module's own code counts.
        let code = text
            .split("\n#[cfg(test)]\nmod tests")
            .next()
            .unwrap()
            .split("\n#[cfg(test)]\npub(crate) mod tests")
            .next()
            .unwrap();
        let mut uses = BTreeSet::new();
        for line in code.lines().map(str::trim) {
            if line.starts_with("//") {
                continue;
            }
            for (at, _) in line.match_indices("crate::") {
                let rest = &line[at + "crate::".len()..];
                if rest.starts_with('{') || rest.starts_with(|c: char| c.is_ascii_uppercase()) {
                    panic!(
                        "src/{name}.rs imports through the crate root ({line}): name the module, \
                         e.g. crate::client::Client"
                    );
                }
                let module: String = rest
                    .chars()
                    .take_while(|c| c.is_ascii_lowercase() || *c == '_')
                    .collect();
                if !module.is_empty() && module != name {
                    uses.insert(module);
                }
            }
        }
        graph.insert(name, uses);
    }
    graph
}

/// A cycle through `start`, if there is one: the path of modules back to it.
fn cycle_from(graph: &BTreeMap<String, BTreeSet<String>>, start: &str) -> Option<Vec<String>> {
    let mut stack = vec![(start.to_owned(), vec![start.to_owned()])];
    let mut seen = BTreeSet::new();
    while let Some((module, path)) = stack.pop() {
        for next in graph.get(&module).into_iter().flatten() {
            if next == start {
                let mut cycle = path.clone();
                cycle.push(start.to_owned());
                return Some(cycle);
            }
            if seen.insert(next.clone()) {
                let mut longer = path.clone();
                longer.push(next.clone());
                stack.push((next.clone(), longer));
            }
        }
    }
    None
}

#[test]
fn the_module_graph_has_no_cycle() {
    let graph = module_graph();
    assert!(graph.contains_key("transport") && graph.contains_key("client"));
    for module in graph.keys() {
        if let Some(cycle) = cycle_from(&graph, module) {
            panic!("module cycle: {}", cycle.join(" -> "));
        }
    }
}

#[test]
fn transport_is_at_the_bottom_and_client_does_not_know_the_managers() {
    let graph = module_graph();
    let managers = ["users", "roles", "clusters", "tokens", "server", "env"];
    for low in ["transport", "request", "error", "names", "secret", "retry"] {
        let reaches: Vec<_> = graph[low]
            .iter()
            .filter(|m| managers.contains(&m.as_str()) || *m == "client")
            .collect();
        assert!(reaches.is_empty(), "{low} uses {reaches:?}");
    }
    let client_uses: Vec<_> = graph["client"]
        .iter()
        .filter(|m| managers.contains(&m.as_str()))
        .collect();
    assert!(client_uses.is_empty(), "client uses {client_uses:?}");
}

#[test]
fn the_cycle_finder_finds_cycles() {
    let graph: BTreeMap<String, BTreeSet<String>> = [
        ("a", vec!["b"]),
        ("b", vec!["c"]),
        ("c", vec!["a"]),
        ("d", vec!["a"]),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.into_iter().map(str::to_owned).collect()))
    .collect();
    assert_eq!(cycle_from(&graph, "a").unwrap(), ["a", "b", "c", "a"]);
    assert_eq!(cycle_from(&graph, "d"), None);
}
