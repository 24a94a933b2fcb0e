//! The SDK's layers. Each top-level module of `src/` (a folder, or a base file) is a layer; a
//! file names what it uses by its path (`crate::layer::...`, never a re-export from the crate
//! root), and every edge between layers must be in [`ALLOWED`]. A new edge, an upward edge or
//! a cycle fails here: change the table on purpose, in the commit that needs it.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

/// Each layer with the layers its code may use, bottom up. `error` and `secret` are the base.
const ALLOWED: &[(&str, &[&str])] = &[
    ("secret", &[]),
    ("error", &["secret"]),
    ("transport", &["error", "secret"]),
    ("model", &["error", "secret"]),
    ("client", &["transport", "model", "error", "secret"]),
    ("access", &["model"]),
    // `api` asks `access` (the permission rules, offline) for the access review it reads.
    (
        "api",
        &["client", "transport", "model", "access", "error", "secret"],
    ),
    (
        "verify",
        &["api", "access", "client", "model", "error", "secret"],
    ),
    (
        "provision",
        &["api", "client", "transport", "model", "error", "secret"],
    ),
];

/// Files that are not a layer: the crate root (docs and re-exports) and test-only code.
const NOT_LAYERS: &[&str] = &["lib", "proptests"];

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// Every `.rs` file below `dir`, recursively.
fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The layer a file of `src/` belongs to: its top folder, or its own name at the top.
fn layer_of(path: &Path) -> String {
    let relative = path.strip_prefix(src()).unwrap();
    let first = relative
        .components()
        .next()
        .unwrap()
        .as_os_str()
        .to_string_lossy();
    first.trim_end_matches(".rs").to_owned()
}

/// The code of a file without its unit tests (tests may use anything) and without comments.
fn code_of(text: &str) -> Vec<&str> {
    let code = ["\n#[cfg(test)]\nmod ", "\n#[cfg(test)]\npub(crate) mod "]
        .iter()
        .fold(text, |code, cut| code.split(cut).next().unwrap());
    code.lines()
        .map(str::trim)
        .filter(|line| !line.starts_with("//"))
        .collect()
}

/// The layers a file's code uses, from its `crate::` paths.
fn uses_of(file: &str, lines: &[&str]) -> BTreeSet<String> {
    let mut uses = BTreeSet::new();
    for line in lines {
        for (at, _) in line.match_indices("crate::") {
            let rest = &line[at + "crate::".len()..];
            assert!(
                !(rest.starts_with('{') || rest.starts_with(|c: char| c.is_ascii_uppercase())),
                "{file} imports through the crate root ({line}): name the layer and module, \
                 e.g. crate::client::Client"
            );
            let layer: String = rest
                .chars()
                .take_while(|c| c.is_ascii_lowercase() || *c == '_')
                .collect();
            if !layer.is_empty() {
                uses.insert(layer);
            }
        }
    }
    uses
}

/// Each layer with the layers its code uses, and for each edge one file that makes it.
fn layer_graph() -> BTreeMap<String, BTreeMap<String, String>> {
    let mut files = Vec::new();
    rust_files(&src(), &mut files);
    let mut graph: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    for path in files {
        let layer = layer_of(&path);
        if NOT_LAYERS.contains(&layer.as_str()) {
            continue;
        }
        let name = path.strip_prefix(src()).unwrap().display().to_string();
        let text = fs::read_to_string(&path).unwrap();
        let edges = graph.entry(layer.clone()).or_default();
        for used in uses_of(&name, &code_of(&text)) {
            if used != layer {
                edges.entry(used).or_insert_with(|| format!("src/{name}"));
            }
        }
    }
    graph
}

/// The edges of `graph` that [`ALLOWED`] does not hold, as "from -> to (file)".
fn disallowed(graph: &BTreeMap<String, BTreeMap<String, String>>) -> Vec<String> {
    let allowed: BTreeMap<&str, &[&str]> = ALLOWED.iter().copied().collect();
    let mut bad = Vec::new();
    for (from, edges) in graph {
        let Some(may) = allowed.get(from.as_str()) else {
            bad.push(format!("{from} is not a known layer: add it to ALLOWED"));
            continue;
        };
        for (to, file) in edges {
            if !may.contains(&to.as_str()) {
                bad.push(format!("{from} -> {to} ({file})"));
            }
        }
    }
    bad
}

/// A cycle through `start`, if there is one: the path of layers back to it.
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
fn every_edge_between_layers_is_an_allowed_one() {
    let graph = layer_graph();
    for layer in ["transport", "client", "api", "verify", "provision"] {
        assert!(graph.contains_key(layer), "no layer {layer} found in src/");
    }
    let bad = disallowed(&graph);
    assert!(bad.is_empty(), "edges not in ALLOWED:\n{}", bad.join("\n"));
}

#[test]
fn the_allowed_edges_point_down_and_make_no_cycle() {
    let order: Vec<&str> = ALLOWED.iter().map(|(layer, _)| *layer).collect();
    for (layer, uses) in ALLOWED {
        let at = order.iter().position(|l| l == layer).unwrap();
        for used in *uses {
            let below = order.iter().position(|l| l == used);
            assert!(
                below.is_some_and(|b| b < at),
                "{layer} -> {used} points up (or to an unknown layer)"
            );
        }
    }
    let graph: BTreeMap<String, BTreeSet<String>> = ALLOWED
        .iter()
        .map(|(l, uses)| (l.to_string(), uses.iter().map(|u| u.to_string()).collect()))
        .collect();
    for layer in graph.keys() {
        assert_eq!(cycle_from(&graph, layer), None);
    }
}

#[test]
fn the_checks_catch_an_upward_edge_and_a_cycle() {
    // transport reaching the client: what an upward import in src/transport/ would add.
    let mut graph = layer_graph();
    graph
        .get_mut("transport")
        .unwrap()
        .insert("client".into(), "src/transport/mod.rs".into());
    assert_eq!(
        disallowed(&graph),
        ["transport -> client (src/transport/mod.rs)"]
    );
    let lines = [
        "use crate::client::Client;",
        "// crate::api::x in a comment",
    ];
    assert_eq!(
        uses_of("x.rs", &code_of(&lines.join("\n"))),
        BTreeSet::from(["client".to_owned()])
    );
    let cyclic: BTreeMap<String, BTreeSet<String>> = [
        ("a", vec!["b"]),
        ("b", vec!["c"]),
        ("c", vec!["a"]),
        ("d", vec!["a"]),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.into_iter().map(str::to_owned).collect()))
    .collect();
    assert_eq!(cycle_from(&cyclic, "a").unwrap(), ["a", "b", "c", "a"]);
    assert_eq!(cycle_from(&cyclic, "d"), None);
}
