//! The native `scalable` binary (the wheel ships the same CLI as a console script).

/// The same allocator as the Python extension (see crates/scalable-py).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    scalable_cli::restore_sigpipe();
    std::process::exit(scalable_cli::run(std::env::args_os()));
}
