//! Every seed passes its target's checks (`cargo test` in fuzz/, without AFL).

#[test]
fn every_seed_passes_its_target() {
    let corpus = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus");
    for (name, check) in sockscope_fuzz::TARGETS {
        let dir = corpus.join(name);
        let mut seeds = 0;
        for entry in
            std::fs::read_dir(&dir).unwrap_or_else(|error| panic!("{}: {error}", dir.display()))
        {
            let path = entry.unwrap_or_else(|error| panic!("{error}")).path();
            let data =
                std::fs::read(&path).unwrap_or_else(|error| panic!("{}: {error}", path.display()));
            check(&data);
            seeds += 1;
        }
        assert!(seeds > 0, "no seeds for {name}");
    }
}
