fn main() -> std::process::ExitCode {
    sd_worker_rbee::run("metal")
}
