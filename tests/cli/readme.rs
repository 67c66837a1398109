//! The README's examples are real: every ```console block that starts with `$ callflow ...`
//! is run from the project root and must print exactly what the README shows.

use std::path::Path;

use crate::common::callflow;

/// (command line, expected output) of each example.
fn examples(readme: &str) -> Vec<(String, String)> {
    readme
        .split("```console\n")
        .skip(1)
        .filter_map(|block| {
            let body = block.split("```").next()?;
            let (first, expected) = body.split_once('\n')?;
            let command = first.strip_prefix("$ callflow ")?;
            Some((command.to_owned(), expected.to_owned()))
        })
        .collect()
}

#[test]
fn readme_examples_print_what_they_show() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let examples = examples(&readme);
    let subcommands: std::collections::BTreeSet<&str> =
        examples.iter().filter_map(|(command, _)| command.split_whitespace().next()).collect();
    assert!(subcommands.contains("calls") && subcommands.contains("summary"), "{subcommands:?}");
    for (command, expected) in &examples {
        let out = callflow().current_dir(root).args(command.split_whitespace()).output().unwrap();
        assert!(out.status.success(), "$ callflow {command}: {}", String::from_utf8_lossy(&out.stderr));
        assert_eq!(&String::from_utf8(out.stdout).unwrap(), expected, "$ callflow {command}");
    }
}

#[test]
fn every_document_a_readme_links_to_exists() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut links = 0;
    for readme in ["README.md", "sample-logs/README.md", "docs/figures.md"] {
        let text = std::fs::read_to_string(root.join(readme)).unwrap();
        let base = root.join(readme).parent().unwrap().to_path_buf();
        for target in text.split("](").skip(1).filter_map(|rest| rest.split_once(')').map(|(t, _)| t)) {
            if !target.starts_with("http") {
                assert!(base.join(target).exists(), "{readme} links to {target}, which does not exist");
                links += 1;
            }
        }
    }
    assert!(links >= 2, "the README and sample-logs/README.md link to docs/figures.md");
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    assert!(readme.contains("(docs/figures.md)") && readme.contains("reads it as UTC"));
}
