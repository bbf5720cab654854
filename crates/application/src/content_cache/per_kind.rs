//! State kept for every cached kind without naming the kinds: made on first use.

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::sync::{Arc, PoisonError, RwLock};

use super::CachedKind;

/// One `T` per kind, found by the kind's type (a single-flight table, a local copy
/// store, ...). A new kind needs no field anywhere: its `T` is made the first time
/// it is asked for.
#[derive(Default)]
pub struct PerKind {
    values: RwLock<HashMap<TypeId, Arc<dyn Any + Send + Sync>>>,
}

impl PerKind {
    /// The `T` of kind `K`, made by `make` if there is none yet.
    pub fn get_or_make<K: CachedKind, T: Any + Send + Sync>(
        &self,
        make: impl FnOnce() -> T,
    ) -> Arc<T> {
        // Keyed by the pair: one registry may hold values of several types per kind.
        let id = TypeId::of::<(K, T)>();
        let found = {
            let values = self.values.read().unwrap_or_else(PoisonError::into_inner);
            values.get(&id).cloned()
        };
        if let Some(found) = found.and_then(|value| value.downcast::<T>().ok()) {
            return found;
        }
        let mut values = self.values.write().unwrap_or_else(PoisonError::into_inner);
        // Another caller may have made it between the two locks: keep theirs.
        if let Some(found) = values
            .get(&id)
            .and_then(|value| Arc::clone(value).downcast::<T>().ok())
        {
            return found;
        }
        let made = Arc::new(make());
        let shared: Arc<dyn Any + Send + Sync> = made.clone();
        values.insert(id, shared);
        made
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::content_cache::{Articles, Profiles};

    #[test]
    fn each_kind_gets_its_own_value_made_once() {
        let registry = PerKind::default();
        let first = registry.get_or_make::<Articles, _>(|| String::from("articles"));
        let again = registry.get_or_make::<Articles, _>(|| String::from("made twice"));
        let other = registry.get_or_make::<Profiles, _>(|| String::from("profiles"));

        assert!(Arc::ptr_eq(&first, &again));
        assert_eq!(*again, "articles");
        assert_eq!(*other, "profiles");
    }

    #[test]
    fn one_kind_may_hold_values_of_several_types() {
        let registry = PerKind::default();
        let text = registry.get_or_make::<Articles, _>(|| String::from("text"));
        let number = registry.get_or_make::<Articles, _>(|| 7_u32);

        assert_eq!(*text, "text");
        assert_eq!(*number, 7);
    }
}
