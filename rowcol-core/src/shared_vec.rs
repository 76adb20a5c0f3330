//! [`SharedVec`]: a list that copies share until one of them is written.

use std::ops::{Deref, DerefMut};
use std::sync::Arc;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A `Vec<T>` behind an `Arc`: cloning shares the items instead of copying
/// them, and the first write through a shared copy copies them for that copy
/// alone (`Arc::make_mut`). Reads and writes go through `Deref`/`DerefMut`
/// to the `Vec`, so it is used like one.
///
/// A [`ClientSnapshot`](crate::ClientSnapshot) keeps its records in these:
/// the mirror's snapshot cache hands out copies of an unchanged client's
/// records without copying a thousand entities each time.
#[derive(Clone, PartialEq, Eq)]
pub struct SharedVec<T>(Arc<Vec<T>>);

impl<T> SharedVec<T> {
    /// The items as an owned `Vec`, without a copy when no other copy shares
    /// them.
    pub fn into_vec(self) -> Vec<T>
    where
        T: Clone,
    {
        Arc::try_unwrap(self.0).unwrap_or_else(|shared| shared.as_ref().clone())
    }
}

impl<T> Default for SharedVec<T> {
    fn default() -> Self {
        SharedVec(Arc::new(Vec::new()))
    }
}

impl<T> Deref for SharedVec<T> {
    type Target = Vec<T>;

    fn deref(&self) -> &Vec<T> {
        &self.0
    }
}

impl<T: Clone> DerefMut for SharedVec<T> {
    fn deref_mut(&mut self) -> &mut Vec<T> {
        Arc::make_mut(&mut self.0)
    }
}

impl<T> From<Vec<T>> for SharedVec<T> {
    fn from(items: Vec<T>) -> Self {
        SharedVec(Arc::new(items))
    }
}

impl<T> FromIterator<T> for SharedVec<T> {
    fn from_iter<I: IntoIterator<Item = T>>(items: I) -> Self {
        SharedVec::from(items.into_iter().collect::<Vec<T>>())
    }
}

impl<'a, T> IntoIterator for &'a SharedVec<T> {
    type Item = &'a T;
    type IntoIter = std::slice::Iter<'a, T>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

impl<T: std::fmt::Debug> std::fmt::Debug for SharedVec<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.as_slice().fmt(f)
    }
}

impl<T: Serialize> Serialize for SharedVec<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.as_slice().serialize(serializer)
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for SharedVec<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Vec::<T>::deserialize(deserializer).map(SharedVec::from)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copies_share_until_one_is_written() {
        let original: SharedVec<String> = vec!["a".to_owned(), "b".to_owned()].into();
        let mut copy = original.clone();
        assert!(
            std::ptr::eq(original.as_ptr(), copy.as_ptr()),
            "a clone shares the items"
        );
        copy.push("c".to_owned());
        assert_eq!(*original, ["a", "b"], "writing a copy leaves the original alone");
        assert_eq!(*copy, ["a", "b", "c"]);
        assert_eq!(copy.clone().into_vec(), ["a", "b", "c"]);
    }

    #[test]
    fn serializes_as_a_plain_list() {
        let items: SharedVec<u32> = (1..=3).collect();
        let json = serde_json::to_string(&items).unwrap();
        assert_eq!(json, "[1,2,3]");
        assert_eq!(serde_json::from_str::<SharedVec<u32>>(&json).unwrap(), items);
    }
}
