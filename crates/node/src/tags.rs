//! Upload tags (Bee's `/tags`): counters that follow one upload's progress — chunks split,
//! already seen, stored locally, sent to the network and synced (push receipt received).
//!
//! Tags live in memory: they describe uploads running or finished in this process and are
//! gone after a restart (the uploaded content is not; it is on disk and in the network).

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use comb_primitives::B256;

/// One upload's counters.
#[derive(Debug)]
pub struct Tag {
    /// Identifier (`swarm-tag`).
    pub uid: u64,
    /// When the tag was created, RFC 3339 in UTC.
    pub started_at: String,
    address: Mutex<Option<B256>>,
    /// Chunks the splitter produced.
    pub split: AtomicU64,
    /// Chunks that were already stored.
    pub seen: AtomicU64,
    /// Chunks stored locally.
    pub stored: AtomicU64,
    /// Chunks handed to push sync.
    pub sent: AtomicU64,
    /// Chunks whose push got a receipt.
    pub synced: AtomicU64,
}

impl Tag {
    /// Adds `n` to a counter.
    pub fn add(counter: &AtomicU64, n: u64) {
        counter.fetch_add(n, Ordering::Relaxed);
    }

    /// The upload's root reference, once known.
    pub fn address(&self) -> Option<B256> {
        self.address.lock().ok().and_then(|a| *a)
    }

    /// Records the upload's root reference.
    pub fn set_address(&self, address: B256) {
        if let Ok(mut slot) = self.address.lock() {
            *slot = Some(address);
        }
    }

    /// A counter's current value.
    pub fn get(counter: &AtomicU64) -> u64 {
        counter.load(Ordering::Relaxed)
    }
}

/// The node's tags.
#[derive(Debug, Default)]
pub struct Tags {
    next: AtomicU64,
    tags: Mutex<BTreeMap<u64, Arc<Tag>>>,
}

/// `YYYY-MM-DDTHH:MM:SSZ` for seconds since the Unix epoch (proleptic Gregorian calendar).
pub fn rfc3339(seconds: u64) -> String {
    let days = seconds / 86_400;
    let rest = seconds % 86_400;
    // Howard Hinnant's days-to-civil algorithm, for days since 1970-01-01.
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + u64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rest / 3_600,
        rest % 3_600 / 60,
        rest % 60
    )
}

impl Tags {
    /// A new tag, optionally already bound to a reference.
    pub fn create(&self, address: Option<B256>) -> Arc<Tag> {
        let uid = self.next.fetch_add(1, Ordering::Relaxed).saturating_add(1);
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        let tag = Arc::new(Tag {
            uid,
            started_at: rfc3339(now),
            address: Mutex::new(address),
            split: AtomicU64::new(0),
            seen: AtomicU64::new(0),
            stored: AtomicU64::new(0),
            sent: AtomicU64::new(0),
            synced: AtomicU64::new(0),
        });
        if let Ok(mut tags) = self.tags.lock() {
            tags.insert(uid, Arc::clone(&tag));
        }
        tag
    }

    /// The tag with this uid.
    pub fn get(&self, uid: u64) -> Option<Arc<Tag>> {
        self.tags.lock().ok()?.get(&uid).cloned()
    }

    /// Every tag, oldest first.
    pub fn list(&self) -> Vec<Arc<Tag>> {
        self.tags
            .lock()
            .map(|tags| tags.values().cloned().collect())
            .unwrap_or_default()
    }

    /// Deletes a tag; whether it existed.
    pub fn delete(&self, uid: u64) -> bool {
        self.tags
            .lock()
            .map(|mut tags| tags.remove(&uid).is_some())
            .unwrap_or(false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339(1_795_305_600 + 3_723), "2026-11-22T01:02:03Z");
    }

    #[test]
    fn lifecycle() {
        let tags = Tags::default();
        let a = tags.create(None);
        let b = tags.create(Some(B256::repeat_byte(1)));
        assert_eq!((a.uid, b.uid), (1, 2));
        Tag::add(&a.split, 3);
        assert_eq!(Tag::get(&tags.get(1).unwrap().split), 3);
        a.set_address(B256::repeat_byte(9));
        assert_eq!(tags.get(1).unwrap().address(), Some(B256::repeat_byte(9)));
        assert_eq!(tags.list().len(), 2);
        assert!(tags.delete(1));
        assert!(!tags.delete(1));
        assert!(tags.get(1).is_none());
    }
}
