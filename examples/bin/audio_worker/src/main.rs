//! audio_worker: a plain crate with no worker.toml; rbee-workers must ignore it.

fn main() {
    println!(
        "audio_worker {} is not an rbee worker",
        env!("CARGO_PKG_VERSION")
    );
}
