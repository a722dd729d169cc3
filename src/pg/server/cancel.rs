//! [`CancelRegistry`]: each session gets our own random (process id, secret) in its
//! BackendKeyData; a CancelRequest with a registered pair is forwarded upstream with
//! the upstream's own key. Unknown pairs are ignored, as PostgreSQL does. The key is
//! removed when its [`CancelKey`] (held by the session) is dropped.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, Weak};

use bytes::Bytes;

use crate::pg::codec::backend::BackendKeyData;
use crate::pg::upstream::UpstreamTarget;

type Map = HashMap<(i32, [u8; 4]), Option<BackendKeyData>>;

/// The live sessions' keys.
#[derive(Debug, Default)]
pub struct CancelRegistry {
    map: Arc<Mutex<Map>>,
}

/// A session's key; unregisters itself on drop.
#[derive(Debug)]
pub struct CancelKey {
    /// Our process id.
    pub process_id: i32,
    /// Our secret.
    pub secret: Bytes,
    map: Weak<Mutex<Map>>,
}

impl Drop for CancelKey {
    fn drop(&mut self) {
        if let Some(map) = self.map.upgrade() {
            let mut map = match map.lock() {
                Ok(m) => m,
                Err(p) => p.into_inner(),
            };
            if let Ok(secret) = <[u8; 4]>::try_from(&self.secret[..]) {
                map.remove(&(self.process_id, secret));
            }
        }
    }
}

impl CancelRegistry {
    fn lock(&self) -> std::sync::MutexGuard<'_, Map> {
        match self.map.lock() {
            Ok(m) => m,
            Err(p) => p.into_inner(),
        }
    }

    /// A new random key mapped to the upstream's key.
    pub fn register(&self, upstream: Option<BackendKeyData>) -> CancelKey {
        let mut map = self.lock();
        loop {
            let process_id = (rand::random::<u32>() >> 1) as i32;
            let secret: [u8; 4] = rand::random();
            if process_id == 0 || map.contains_key(&(process_id, secret)) {
                continue;
            }
            map.insert((process_id, secret), upstream);
            return CancelKey {
                process_id,
                secret: Bytes::copy_from_slice(&secret),
                map: Arc::downgrade(&self.map),
            };
        }
    }

    /// How many sessions are registered.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// Whether none are.
    pub fn is_empty(&self) -> bool {
        self.lock().is_empty()
    }

    /// Forwards a cancel for our key (`process_id`, `secret`), if registered.
    pub async fn cancel(&self, target: &UpstreamTarget, process_id: i32, secret: &[u8]) {
        let Ok(secret) = <[u8; 4]>::try_from(secret) else {
            return;
        };
        let upstream = self.lock().get(&(process_id, secret)).cloned().flatten();
        let Some(key) = upstream else {
            tracing::info!("cancel request with an unknown key ignored");
            return;
        };
        if let Err(e) = target.cancel(key.process_id, key.secret_key).await {
            tracing::warn!(error = %e, "forwarding a cancel request failed");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_random_distinct_and_removed_on_drop() {
        let r = CancelRegistry::default();
        let a = r.register(None);
        let b = r.register(None);
        assert_ne!((a.process_id, &a.secret), (b.process_id, &b.secret));
        assert_eq!(r.len(), 2);
        drop(a);
        assert_eq!(r.len(), 1);
    }
}
