//! Where rbee-workers keeps things: config, cache and data directories, honouring the XDG
//! variables on every OS (so tests can redirect everything into a temp dir).

use crate::error::{Error, Result};
use std::path::PathBuf;

#[derive(Debug, Clone)]
pub struct Dirs {
    pub config: PathBuf,
    pub cache: PathBuf,
    pub data: PathBuf,
}

fn xdg(var: &str) -> Option<PathBuf> {
    std::env::var_os(var)
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
}

impl Dirs {
    pub fn from_env() -> Result<Dirs> {
        let project = directories::ProjectDirs::from("dev", "rbee", "rbee-workers");
        let pick =
            |var: &str, fallback: fn(&directories::ProjectDirs) -> PathBuf| -> Result<PathBuf> {
                if let Some(base) = xdg(var) {
                    return Ok(base.join("rbee-workers"));
                }
                project.as_ref().map(fallback).ok_or_else(|| {
                    Error::Usage(format!(
                        "cannot find a home directory for config, cache and data; set HOME or {var}"
                    ))
                })
            };
        Ok(Dirs {
            config: pick("XDG_CONFIG_HOME", |p| p.config_dir().to_path_buf())?,
            cache: pick("XDG_CACHE_HOME", |p| p.cache_dir().to_path_buf())?,
            data: pick("XDG_DATA_HOME", |p| p.data_dir().to_path_buf())?,
        })
    }

    /// User template overrides.
    pub fn templates(&self) -> PathBuf {
        self.config.join("templates")
    }
}
