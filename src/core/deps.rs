//! Dependencies between workers (DESIGN section 8): a requirement as written (`"base >= 0.2"`)
//! with where it was written, and the pure resolver — catalog, requested variants, host and
//! installed state in; the build order of the whole graph, or located problems, out.

use crate::catalog::{Catalog, Variant, Worker};
use crate::detect::{self, Detection};
pub use crate::manifest::{parse_requirement, Requirement};
use crate::problem::Problem;
use semver::Version;
use std::collections::{HashMap, HashSet};

/// One installed variant, as the resolver needs it.
#[derive(Debug, Clone)]
pub struct Installed {
    pub id: String,
    pub worker: String,
    pub version: Version,
}

/// A variant to build, in the order the graph needs.
#[derive(Debug, Clone)]
pub struct Node<'c> {
    pub worker: &'c Worker,
    pub variant: &'c Variant,
    /// The variants in this graph that need it.
    pub required_by: Vec<String>,
}

/// A dependency already installed at a matching version: kept, not rebuilt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Kept {
    /// The installed variant that satisfies it.
    pub id: String,
    pub version: String,
    pub requirement: String,
    pub required_by: String,
}

#[derive(Debug, Clone, Default)]
pub struct Graph<'c> {
    /// Dependencies before their dependents.
    pub order: Vec<Node<'c>>,
    pub kept: Vec<Kept>,
}

struct Resolver<'c, 'a> {
    workers: HashMap<&'c str, &'c Worker>,
    variant_of: HashMap<&'c str, &'c Worker>,
    roots: &'a [(&'c Worker, &'c Variant)],
    detection: &'a Detection,
    installed: &'a [Installed],
    done: HashMap<String, usize>,
    stack: Vec<(&'c Worker, &'c Variant)>,
    graph: Graph<'c>,
    problems: Vec<Problem>,
}

/// Resolves the graph under `roots` (the variants the user asked for): each dependency is
/// found among the visible workers (the first source holding the id wins), must meet its
/// requirement, and gets the dependent's feature when it has a variant of it that runs here,
/// else its best variant for this machine; one already installed at a matching version is
/// kept. A cycle, a missing or unsatisfiable dependency is a problem located at the
/// requirement, naming the chain that leads to it.
pub fn resolve<'c>(
    catalog: &'c Catalog,
    roots: &[(&'c Worker, &'c Variant)],
    detection: &Detection,
    installed: &[Installed],
) -> Result<Graph<'c>, Vec<Problem>> {
    let mut r = Resolver::new(catalog, roots, detection, installed);
    for (w, v) in roots {
        r.visit(w, v, None);
    }
    if r.problems.is_empty() {
        Ok(r.graph)
    } else {
        Err(r.problems)
    }
}

impl<'c, 'a> Resolver<'c, 'a> {
    fn new(
        catalog: &'c Catalog,
        roots: &'a [(&'c Worker, &'c Variant)],
        detection: &'a Detection,
        installed: &'a [Installed],
    ) -> Self {
        let (workers, variant_of) = indexes(catalog);
        Resolver {
            workers,
            variant_of,
            roots,
            detection,
            installed,
            done: HashMap::new(),
            stack: Vec::new(),
            graph: Graph::default(),
            problems: Vec::new(),
        }
    }

    fn chain(&self, last: &str) -> String {
        let mut parts: Vec<&str> = self.stack.iter().map(|(w, _)| w.id.as_str()).collect();
        parts.push(last);
        parts.join(" → ")
    }

    fn visit(&mut self, w: &'c Worker, v: &'c Variant, by: Option<&str>) {
        if let Some(&i) = self.done.get(&v.id) {
            if let Some(by) = by {
                self.graph.order[i].required_by.push(by.to_string());
            }
            return;
        }
        self.stack.push((w, v));
        for req in &v.requires {
            self.edge(v, req);
        }
        self.stack.pop();
        self.done.insert(v.id.clone(), self.graph.order.len());
        self.graph.order.push(Node {
            worker: w,
            variant: v,
            required_by: by.map(str::to_string).into_iter().collect(),
        });
    }

    fn edge(&mut self, from: &'c Variant, req: &Requirement) {
        let Some(dw) = self.workers.get(req.id.as_str()).copied() else {
            self.problems
                .push(missing(req, &self.chain(&req.text), &self.variant_of));
            return;
        };
        if let Some(at) = self.stack.iter().position(|(w, _)| w.id == dw.id) {
            let mut names: Vec<&str> = self.stack[at..]
                .iter()
                .map(|(w, _)| w.id.as_str())
                .collect();
            names.push(&dw.id);
            self.problems.push(req.problem(format!(
                "dependency cycle: {} (a worker cannot depend on itself through others)",
                names.join(" → ")
            )));
            return;
        }
        if !req.matches(&dw.version) {
            self.problems
                .push(unsatisfied(req, &self.chain(&req.text), dw));
            return;
        }
        // A variant the user asked for is built whatever is installed.
        let root = self.roots.iter().find(|(w, _)| w.id == dw.id);
        if root.is_none() {
            if let Some(i) = self
                .installed
                .iter()
                .find(|i| i.worker == dw.id && req.matches(&i.version))
            {
                let kept = Kept {
                    id: i.id.clone(),
                    version: i.version.to_string(),
                    requirement: req.text.clone(),
                    required_by: from.id.clone(),
                };
                if !self.graph.kept.contains(&kept) {
                    self.graph.kept.push(kept);
                }
                return;
            }
        }
        let dv = match root {
            Some((_, v)) => Some(*v),
            None => choose_variant(dw, &from.feature, self.detection),
        };
        let Some(dv) = dv else {
            self.problems.push(req.problem(format!(
                "{}, but no variant of `{}` runs on {}/{}",
                self.chain(&req.text),
                dw.id,
                self.detection.os,
                self.detection.arch
            )));
            return;
        };
        self.visit(dw, dv, Some(&from.id));
    }
}

/// The visible workers by id, and the worker of each visible variant id.
fn indexes(catalog: &Catalog) -> (HashMap<&str, &Worker>, HashMap<&str, &Worker>) {
    let visible = catalog.visible();
    let mut variant_of = HashMap::new();
    for w in &visible {
        for v in &w.variants {
            variant_of.entry(v.id.as_str()).or_insert(*w);
        }
    }
    let workers = visible.into_iter().map(|w| (w.id.as_str(), w)).collect();
    (workers, variant_of)
}

/// The same feature when the dependency has a variant of it that runs here, else its best
/// variant for this machine (the bare-id rule).
pub fn choose_variant<'w>(dep: &'w Worker, feature: &str, d: &Detection) -> Option<&'w Variant> {
    let (os, arch) = d.host()?;
    dep.variants
        .iter()
        .find(|v| v.feature == feature && v.supports(os, arch))
        .or_else(|| detect::recommend(dep, d).map(|(v, _)| v))
}

fn missing(req: &Requirement, chain: &str, variant_of: &HashMap<&str, &Worker>) -> Problem {
    match variant_of.get(req.id.as_str()) {
        Some(w) => req
            .problem(format!(
                "{chain}: `{}` is a variant of `{}`, but a dependency names a worker",
                req.id, w.id
            ))
            .with_help(format!(
                "write `{}` (any variant satisfies it; the one that runs here is chosen)",
                req.text.replacen(&req.id, &w.id, 1)
            )),
        None => req.problem(format!("{chain}, but no source has a worker `{}`", req.id)),
    }
}

fn unsatisfied(req: &Requirement, chain: &str, dw: &Worker) -> Problem {
    req.problem(format!(
        "{chain}, but the catalog has {} {} (source `{}`)",
        dw.id, dw.version, dw.source.name
    ))
}

/// `check`: every requirement of every visible worker names a worker (not a variant), is
/// met by the version the catalog has, and no worker depends on itself through others.
/// Independent of the host: a cycle through any variant's requirements counts.
pub fn check(catalog: &Catalog) -> Vec<Problem> {
    let (workers, variant_of) = indexes(catalog);
    let mut problems = Vec::new();
    let mut edges: Vec<(&Worker, Vec<(&Requirement, &Worker)>)> = Vec::new();
    for w in catalog.visible() {
        let mut out: Vec<(&Requirement, &Worker)> = Vec::new();
        let mut seen = HashSet::new();
        for req in w.variants.iter().flat_map(|v| &v.requires) {
            if !seen.insert((&req.text, req.line, req.column)) {
                continue;
            }
            let chain = format!("{} → {}", w.id, req.text);
            match workers.get(req.id.as_str()) {
                None => problems.push(missing(req, &chain, &variant_of)),
                Some(dw) if !req.matches(&dw.version) => {
                    problems.push(unsatisfied(req, &chain, dw))
                }
                Some(dw) => out.push((req, dw)),
            }
        }
        edges.push((w, out));
    }
    let by_id: HashMap<&str, usize> = edges
        .iter()
        .enumerate()
        .map(|(i, (w, _))| (w.id.as_str(), i))
        .collect();
    // Iterative DFS: 0 unseen, 1 on the stack, 2 done. Each back edge closes one cycle.
    let mut state = vec![0u8; edges.len()];
    for start in 0..edges.len() {
        if state[start] != 0 {
            continue;
        }
        let mut stack: Vec<(usize, usize)> = vec![(start, 0)];
        state[start] = 1;
        while let Some(&mut (node, ref mut next)) = stack.last_mut() {
            let out = &edges[node].1;
            if *next == out.len() {
                state[node] = 2;
                stack.pop();
                continue;
            }
            let (req, dw) = out[*next];
            *next += 1;
            let to = by_id[dw.id.as_str()];
            match state[to] {
                0 => {
                    state[to] = 1;
                    stack.push((to, 0));
                }
                1 => {
                    let at = stack
                        .iter()
                        .position(|(n, _)| *n == to)
                        .expect("on the stack");
                    let mut names: Vec<&str> = stack[at..]
                        .iter()
                        .map(|(n, _)| edges[*n].0.id.as_str())
                        .collect();
                    names.push(&dw.id);
                    problems.push(req.problem(format!(
                        "dependency cycle: {} (a worker cannot depend on itself through others)",
                        names.join(" → ")
                    )));
                }
                _ => {}
            }
        }
    }
    problems
}
