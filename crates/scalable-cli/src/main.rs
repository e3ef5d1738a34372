//! The native `scalable` binary (the wheel ships the same CLI as a console script).

fn main() {
    std::process::exit(scalable_cli::run(std::env::args_os()));
}
