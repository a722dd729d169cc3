//! The keyring: the current master key, which issues every pseudonym, and the previous
//! versions still kept to reverse pseudonyms issued before a rotation — or the record
//! that a version was retired (destroyed), after which its pseudonyms are irreversible.

use std::sync::Arc;

use super::{KeyId, MasterKey};

/// A previous master key version.
#[derive(Clone, Debug)]
pub enum PreviousKey {
    /// Still held: pseudonyms issued under it can be reversed.
    Active(Arc<MasterKey>),
    /// Destroyed with `tuomin keys retire`.
    Retired(KeyId),
}

impl PreviousKey {
    pub fn id(&self) -> KeyId {
        match self {
            PreviousKey::Active(key) => key.id(),
            PreviousKey::Retired(id) => *id,
        }
    }
}

/// The current key and the previous versions, newest first.
#[derive(Clone, Debug)]
pub struct Keyring {
    pub current: Arc<MasterKey>,
    pub previous: Vec<PreviousKey>,
}

impl Keyring {
    /// A keyring of one key.
    pub fn single(current: MasterKey) -> Self {
        Keyring {
            current: Arc::new(current),
            previous: Vec::new(),
        }
    }

    /// The previous keys still held.
    pub fn active_previous(&self) -> impl Iterator<Item = &Arc<MasterKey>> {
        self.previous.iter().filter_map(|p| match p {
            PreviousKey::Active(key) => Some(key),
            PreviousKey::Retired(_) => None,
        })
    }
}
