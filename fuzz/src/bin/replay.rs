//! Runs fuzz inputs through a target's checks without AFL: `replay TARGET PATH...` (files, or
//! directories of them, such as an afl-fuzz `crashes/` or `queue/`), or `replay all` for every
//! target over its seed corpus in `corpus/TARGET/`. A failing check panics, naming the file.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

fn files(path: &Path) -> std::io::Result<Vec<PathBuf>> {
    if !path.is_dir() {
        return Ok(vec![path.to_path_buf()]);
    }
    let mut found = Vec::new();
    for entry in std::fs::read_dir(path)? {
        let path = entry?.path();
        if path.is_file() {
            found.push(path);
        }
    }
    found.sort();
    Ok(found)
}

fn run(name: &str, check: sockscope_fuzz::Check, paths: &[PathBuf]) -> Result<usize, String> {
    let mut count = 0;
    for path in paths {
        for file in files(path).map_err(|error| format!("{}: {error}", path.display()))? {
            let data =
                std::fs::read(&file).map_err(|error| format!("{}: {error}", file.display()))?;
            eprintln!("{name}: {}", file.display());
            check(&data);
            count += 1;
        }
    }
    Ok(count)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(target) = args.first() else {
        eprintln!("usage: replay TARGET PATH... | replay all");
        return ExitCode::FAILURE;
    };
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus");
    let jobs: Vec<(&str, sockscope_fuzz::Check, Vec<PathBuf>)> = if target == "all" {
        sockscope_fuzz::TARGETS
            .iter()
            .map(|&(name, check)| (name, check, vec![corpus.join(name)]))
            .collect()
    } else {
        let Some(&(name, check)) = sockscope_fuzz::TARGETS
            .iter()
            .find(|(name, _)| name == target)
        else {
            eprintln!("no target {target}");
            return ExitCode::FAILURE;
        };
        vec![(name, check, args[1..].iter().map(PathBuf::from).collect())]
    };
    for (name, check, paths) in jobs {
        match run(name, check, &paths) {
            Ok(count) => eprintln!("{name}: {count} inputs pass"),
            Err(error) => {
                eprintln!("{error}");
                return ExitCode::FAILURE;
            }
        }
    }
    ExitCode::SUCCESS
}
