//! The agent's state on disk (DESIGN principle 5): one JSON file, replaced atomically — the
//! new content goes to a temporary file that is synced and then renamed over the old one,
//! so a crash leaves either the old or the new state, never a torn file.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::{AgentState, IncentivesError};

/// The file the agent's [`AgentState`] lives in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StateFile {
    path: PathBuf,
}

impl StateFile {
    /// The state file at `path` (created on the first save).
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self { path: path.into() }
    }

    /// Its path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn io(&self, source: std::io::Error) -> IncentivesError {
        IncentivesError::Io {
            path: self.path.clone(),
            source,
        }
    }

    /// The saved state, or the empty state if there is no file yet.
    pub fn load(&self) -> Result<AgentState, IncentivesError> {
        let bytes = match fs::read(&self.path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(AgentState::default()),
            Err(e) => return Err(self.io(e)),
        };
        serde_json::from_slice(&bytes).map_err(|e| IncentivesError::Corrupt {
            path: self.path.clone(),
            reason: e.to_string(),
        })
    }

    /// Saves `state`: when this returns `Ok`, it is on disk.
    pub fn save(&self, state: &AgentState) -> Result<(), IncentivesError> {
        let bytes = serde_json::to_vec_pretty(state).map_err(|e| IncentivesError::Corrupt {
            path: self.path.clone(),
            reason: e.to_string(),
        })?;
        let dir = self
            .path
            .parent()
            .filter(|dir| !dir.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        fs::create_dir_all(dir).map_err(|e| self.io(e))?;
        let mut temp = self.path.clone().into_os_string();
        temp.push(".tmp");
        let temp = PathBuf::from(temp);
        {
            let mut file = fs::File::create(&temp).map_err(|e| self.io(e))?;
            file.write_all(&bytes).map_err(|e| self.io(e))?;
            file.sync_all().map_err(|e| self.io(e))?;
        }
        fs::rename(&temp, &self.path).map_err(|e| self.io(e))?;
        // Make the rename itself durable.
        if let Ok(dir) = fs::File::open(dir) {
            dir.sync_all().map_err(|e| self.io(e))?;
        }
        Ok(())
    }
}
