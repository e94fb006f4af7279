//! One contract for both storage backends: every case below runs against the embedded backend
//! (`DiskBlobStore` / `DiskQueue` in a temp dir) and against Azurite (`AzureBlobStore` /
//! `AzureQueue`). The Azurite half is skipped, with a notice, unless `APPGEN_AZURITE` is set:
//!
//!   infra/local/azurite.sh start
//!   APPGEN_AZURITE=1 cargo test -p appgen-runtime --test contract
//!
//! `APPGEN_AZURITE_CONNECTION` overrides the connection string (default: the development
//! account on 127.0.0.1:10000/10001). Each Azurite test uses its own containers and queues
//! (a unique name prefix, with `APPGEN_STORAGE_PREFIX` in front when set), so runs and tests
//! never collide.

use appgen_core::ports::{
    BlobStore, Container, Delivery, ETag, QueueError, QueueService, StoreError, WriteCondition,
};
use appgen_runtime::azure::{AzureBlobStore, AzureQueue, StorageConnection};
use appgen_runtime::embedded::{DiskBlobStore, DiskQueue};
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

// ------------------------------------------------------------------ fixtures

fn azurite_enabled(test: &str) -> bool {
    // Set (to anything) means Azurite is up: a missing server is then a failure, not a skip.
    let on = std::env::var_os("APPGEN_AZURITE").is_some();
    if !on {
        eprintln!(
            "SKIPPED azurite::{test}: APPGEN_AZURITE is not set (start Azurite with \
             infra/local/azurite.sh start and set APPGEN_AZURITE=1)"
        );
    }
    on
}

fn azurite_connection() -> StorageConnection {
    let conn = match std::env::var("APPGEN_AZURITE_CONNECTION") {
        Ok(cs) if !cs.trim().is_empty() => {
            StorageConnection::parse_connection_string("APPGEN_AZURITE_CONNECTION", &cs)
                .unwrap_or_else(|e| panic!("{e}"))
        }
        _ => StorageConnection::development(),
    };
    // Fail in 2 s with a clear message rather than after the SDK's ~80 s of retries.
    for url in [&conn.blob_endpoint, &conn.queue_endpoint] {
        let addr = url
            .socket_addrs(|| None)
            .ok()
            .and_then(|a| a.into_iter().next())
            .unwrap_or_else(|| panic!("cannot resolve {url}"));
        if let Err(e) = std::net::TcpStream::connect_timeout(&addr, Duration::from_secs(2)) {
            panic!(
                "APPGEN_AZURITE is set but nothing answers at {addr} ({e}); run infra/local/azurite.sh start"
            );
        }
    }
    conn
}

/// `{APPGEN_STORAGE_PREFIX}ct{run}{n}-`: unique per test within a run and across runs.
fn unique_prefix() -> String {
    static RUN: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    static N: AtomicU32 = AtomicU32::new(0);
    let run = RUN.get_or_init(|| uuid::Uuid::new_v4().simple().to_string()[..8].to_owned());
    let outer = std::env::var("APPGEN_STORAGE_PREFIX").unwrap_or_default();
    format!("{outer}ct{run}{}-", N.fetch_add(1, Ordering::Relaxed))
}

struct Blobs {
    store: Arc<dyn BlobStore>,
    azure: Option<AzureBlobStore>,
    _dir: Option<tempfile::TempDir>,
}

impl Blobs {
    fn embedded() -> Blobs {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = DiskBlobStore::open(&dir.path().join("blobs")).expect("open disk blobs");
        Blobs {
            store: Arc::new(store),
            azure: None,
            _dir: Some(dir),
        }
    }

    async fn azurite() -> Blobs {
        let store = AzureBlobStore::with_prefix(&azurite_connection(), &unique_prefix())
            .expect("azure blob store");
        store
            .ensure_containers()
            .await
            .expect("create containers (is Azurite running?)");
        Blobs {
            store: Arc::new(store.clone()),
            azure: Some(store),
            _dir: None,
        }
    }

    async fn cleanup(self) {
        if let Some(azure) = &self.azure {
            azure.delete_containers().await.expect("delete containers");
        }
    }
}

const QUEUE: &str = "steps";

struct Queues {
    queue: Arc<dyn QueueService>,
    azure: Option<AzureQueue>,
    _dir: Option<tempfile::TempDir>,
}

impl Queues {
    async fn embedded() -> Queues {
        let dir = tempfile::tempdir().expect("temp dir");
        let queue = DiskQueue::open(&dir.path().join("queues")).expect("open disk queue");
        queue.ensure(QUEUE).await.expect("ensure");
        Queues {
            queue: Arc::new(queue),
            azure: None,
            _dir: Some(dir),
        }
    }

    async fn azurite() -> Queues {
        let queue =
            AzureQueue::with_prefix(&azurite_connection(), &unique_prefix()).expect("azure queue");
        queue
            .ensure(QUEUE)
            .await
            .expect("create queue (is Azurite running?)");
        Queues {
            queue: Arc::new(queue.clone()),
            azure: Some(queue),
            _dir: None,
        }
    }

    async fn cleanup(self) {
        if let Some(azure) = &self.azure {
            azure.delete_queue(QUEUE).await.expect("delete queue");
        }
    }
}

/// Generates `embedded::<case>` and `azurite::<case>` for every case.
macro_rules! contract {
    (blob: [$($b:ident),* $(,)?], queue: [$($q:ident),* $(,)?] $(,)?) => {
        mod embedded {
            use super::*;
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $b() {
                    let f = Blobs::embedded();
                    blob_cases::$b(f.store.clone()).await;
                    f.cleanup().await;
                }
            )*
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $q() {
                    let f = Queues::embedded().await;
                    queue_cases::$q(f.queue.clone()).await;
                    f.cleanup().await;
                }
            )*
        }
        mod azurite {
            use super::*;
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $b() {
                    if !azurite_enabled(stringify!($b)) {
                        return;
                    }
                    let f = Blobs::azurite().await;
                    blob_cases::$b(f.store.clone()).await;
                    f.cleanup().await;
                }
            )*
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $q() {
                    if !azurite_enabled(stringify!($q)) {
                        return;
                    }
                    let f = Queues::azurite().await;
                    queue_cases::$q(f.queue.clone()).await;
                    f.cleanup().await;
                }
            )*
        }
    };
}

contract! {
    blob: [
        get_missing_is_none,
        create_only_twice_conflicts,
        if_match_stale_conflicts_current_succeeds,
        if_match_on_missing_blob_conflicts,
        volatile_puts_keep_the_conditions_and_etags,
        unconditional_put_overwrites,
        content_type_round_trips,
        empty_blob_round_trips,
        append_without_expected_len,
        append_with_expected_len,
        conflicting_expected_len_writes_nothing,
        empty_append_creates_and_checks,
        read_from_offsets,
        list_by_prefix_sorted,
        delete_removes_and_is_idempotent,
        invalid_keys_are_rejected,
        containers_are_separate,
        large_values_round_trip,
        concurrent_if_match_racers_one_wins,
        concurrent_appenders_one_wins,
        concurrent_creators_one_wins,
        concurrent_first_appenders_one_wins,
        appdata_records_round_trip_and_log_changes,
        appdata_stale_updates_conflict_and_one_racer_wins,
        appdata_the_log_keeps_its_newest_segments_and_says_what_is_gone,
        appdata_spaces_and_apps_never_leak,
        appdata_erasing_the_check_space_leaves_the_others,
        accounts_one_sign_up_per_email_sessions_expire_and_sign_out,
        accounts_stay_in_their_space_and_survive_a_reset,
        accounts_expired_sessions_are_swept_at_a_sign_in,
        ai_usage_concurrent_additions_lose_no_counts,
        published_pointer_reserves_once_and_switches_by_etag,
        thread_live_stream_queue_and_presence,
        delete_if_match_deletes_only_that_version,
        a_withdraw_racing_the_take_loses_or_wins_whole,
        stale_heartbeats_are_deleted_and_a_leaver_s_at_once,
    ],
    queue: [
        ensure_is_idempotent,
        send_receive_round_trips_body,
        receive_hides_for_visibility_then_redelivers,
        delete_removes_message,
        delete_with_stale_receipt_fails,
        release_with_delay,
        release_with_stale_receipt_fails,
        delayed_send_not_visible_before_delay,
        len_counts_visible_and_invisible,
        missing_queue_is_empty_and_refuses_messages,
    ],
}

// ------------------------------------------------------------------ blob cases

mod blob_cases {
    use super::*;
    use Container::{Artifacts, Threads};

    type Store = Arc<dyn BlobStore>;
    pub use super::appdata_cases::*;
    pub use super::live_cases::*;

    fn conflict<T: std::fmt::Debug>(r: Result<T, StoreError>, what: &str) {
        assert!(
            matches!(r, Err(StoreError::Conflict(_))),
            "{what}: expected Conflict, got {r:?}"
        );
    }

    /// A JSON put into Threads, the write most cases make.
    async fn put_json(
        s: &Store,
        key: &str,
        bytes: Vec<u8>,
        condition: WriteCondition,
    ) -> Result<ETag, StoreError> {
        s.put(Threads, key, bytes, "application/json", condition)
            .await
    }

    async fn bytes(s: &Store, c: Container, key: &str) -> Option<Vec<u8>> {
        s.get(c, key).await.expect("get").map(|b| b.bytes)
    }

    pub async fn get_missing_is_none(s: Store) {
        assert!(
            s.get(Threads, "threads/none/snapshot.json")
                .await
                .expect("get")
                .is_none()
        );
        assert!(
            s.read_from(Threads, "threads/none/runs/r/events", 0)
                .await
                .expect("read_from")
                .is_none()
        );
        assert!(
            s.read_from(Threads, "threads/none/runs/r/events", 7)
                .await
                .expect("read_from")
                .is_none()
        );
        assert!(
            s.list(Threads, "threads/none/")
                .await
                .expect("list")
                .is_empty()
        );
    }

    pub async fn create_only_twice_conflicts(s: Store) {
        let key = "threads/t1/snapshot.json";
        let e1 = put_json(&s, key, b"v1".to_vec(), WriteCondition::CreateOnly)
            .await
            .expect("first create");
        assert!(!e1.0.is_empty());
        conflict(
            put_json(&s, key, b"v2".to_vec(), WriteCondition::CreateOnly).await,
            "second create",
        );
        let blob = s.get(Threads, key).await.expect("get").expect("exists");
        assert_eq!(blob.bytes, b"v1");
        assert_eq!(blob.etag, e1);
    }

    /// Publishing's pointer record (`appgen_core::publish`): a slug is reserved create-only
    /// (a second thread loses), then switched with If-Match (a stale switch loses), under a key
    /// that starts with `.` so no thread's keys can collide with it.
    pub async fn published_pointer_reserves_once_and_switches_by_etag(s: Store) {
        use appgen_core::publish::{AppPointer, LiveVersion, pointer_key};
        let key = pointer_key("todo");
        let json = |thread: &str, live: Option<u32>| {
            serde_json::to_vec(&AppPointer {
                thread_id: thread.into(),
                live: live.map(|version| LiveVersion {
                    version,
                    artifact: format!("{thread}/v{version}"),
                }),
            })
            .expect("json")
        };
        let reserved = put_json(&s, &key, json("t1", None), WriteCondition::CreateOnly)
            .await
            .expect("reserve");
        conflict(
            put_json(&s, &key, json("t2", None), WriteCondition::CreateOnly).await,
            "another thread's reservation",
        );
        let v1 = put_json(
            &s,
            &key,
            json("t1", Some(1)),
            WriteCondition::IfMatch(reserved.clone()),
        )
        .await
        .expect("switch to v1");
        conflict(
            put_json(
                &s,
                &key,
                json("t1", Some(2)),
                WriteCondition::IfMatch(reserved),
            )
            .await,
            "a stale switch",
        );
        put_json(&s, &key, json("t1", None), WriteCondition::IfMatch(v1))
            .await
            .expect("unpublish");
        let blob = s.get(Threads, &key).await.expect("get").expect("kept");
        let p: AppPointer = serde_json::from_slice(&blob.bytes).expect("a pointer");
        assert_eq!((p.thread_id.as_str(), p.live), ("t1", None));
        assert_eq!(
            s.list(Threads, ".published/").await.expect("list"),
            vec![key]
        );
    }

    /// A lease write (volatile) and the durable commit after it chain by ETag like any puts.
    pub async fn volatile_puts_keep_the_conditions_and_etags(s: Store) {
        let key = "threads/t1/snapshot.json";
        let json = "application/json";
        let e1 = put_json(&s, key, b"v1".to_vec(), WriteCondition::CreateOnly)
            .await
            .expect("create");
        conflict(
            s.put_volatile(
                Threads,
                key,
                b"x".to_vec(),
                json,
                WriteCondition::CreateOnly,
            )
            .await,
            "volatile create-only on an existing blob",
        );
        let claimed = s
            .put_volatile(
                Threads,
                key,
                b"claimed".to_vec(),
                json,
                WriteCondition::IfMatch(e1.clone()),
            )
            .await
            .expect("volatile If-Match current");
        let blob = s.get(Threads, key).await.expect("get").expect("exists");
        assert_eq!(
            (
                blob.bytes.as_slice(),
                &blob.etag,
                blob.content_type.as_str()
            ),
            (&b"claimed"[..], &claimed, json)
        );
        conflict(
            s.put_volatile(
                Threads,
                key,
                b"y".to_vec(),
                json,
                WriteCondition::IfMatch(e1),
            )
            .await,
            "volatile If-Match stale",
        );
        put_json(&s, key, b"done".to_vec(), WriteCondition::IfMatch(claimed))
            .await
            .expect("durable commit after the volatile claim");
        let blob = s.get(Threads, key).await.expect("get").expect("exists");
        assert_eq!(blob.bytes, b"done");
    }

    pub async fn if_match_stale_conflicts_current_succeeds(s: Store) {
        let key = "threads/t1/snapshot.json";
        let e1 = put_json(&s, key, b"v1".to_vec(), WriteCondition::Any)
            .await
            .expect("put v1");
        let e2 = put_json(&s, key, b"v2".to_vec(), WriteCondition::IfMatch(e1.clone()))
            .await
            .expect("If-Match current");
        assert_ne!(e1, e2, "a changed blob gets a new ETag");
        conflict(
            put_json(&s, key, b"v3".to_vec(), WriteCondition::IfMatch(e1)).await,
            "If-Match stale",
        );
        let blob = s.get(Threads, key).await.expect("get").expect("exists");
        assert_eq!(blob.bytes, b"v2");
        assert_eq!(blob.etag, e2, "get returns the ETag the write returned");
        let e3 = put_json(&s, key, b"v3".to_vec(), WriteCondition::IfMatch(e2.clone()))
            .await
            .expect("If-Match the ETag from get");
        assert_ne!(e3, e2);
    }

    pub async fn if_match_on_missing_blob_conflicts(s: Store) {
        let etag = s
            .put(
                Threads,
                "threads/t1/a",
                b"a".to_vec(),
                "text/plain",
                WriteCondition::Any,
            )
            .await
            .expect("put");
        conflict(
            s.put(
                Threads,
                "threads/t1/missing",
                b"x".to_vec(),
                "text/plain",
                WriteCondition::IfMatch(etag),
            )
            .await,
            "If-Match on a missing blob",
        );
        assert!(bytes(&s, Threads, "threads/t1/missing").await.is_none());
    }

    pub async fn unconditional_put_overwrites(s: Store) {
        let key = "threads/t1/x";
        s.put(
            Threads,
            key,
            b"one".to_vec(),
            "text/plain",
            WriteCondition::Any,
        )
        .await
        .expect("put 1");
        s.put(
            Threads,
            key,
            b"two".to_vec(),
            "text/plain",
            WriteCondition::Any,
        )
        .await
        .expect("put 2");
        assert_eq!(bytes(&s, Threads, key).await.as_deref(), Some(&b"two"[..]));
    }

    pub async fn content_type_round_trips(s: Store) {
        for (key, ct) in [
            ("v1/index.html", "text/html; charset=utf-8"),
            ("v1/screenshot.png", "image/png"),
            ("v1/assets/app.js", "text/javascript"),
        ] {
            s.put(Artifacts, key, b"x".to_vec(), ct, WriteCondition::Any)
                .await
                .expect("put");
            let blob = s.get(Artifacts, key).await.expect("get").expect("exists");
            assert_eq!(blob.content_type, ct, "{key}");
        }
        // Overwriting changes it.
        s.put(
            Artifacts,
            "v1/index.html",
            b"{}".to_vec(),
            "application/json",
            WriteCondition::Any,
        )
        .await
        .expect("put");
        let blob = s
            .get(Artifacts, "v1/index.html")
            .await
            .expect("get")
            .expect("exists");
        assert_eq!(blob.content_type, "application/json");
    }

    pub async fn empty_blob_round_trips(s: Store) {
        s.put(
            Threads,
            "threads/t1/empty",
            Vec::new(),
            "text/plain",
            WriteCondition::CreateOnly,
        )
        .await
        .expect("put empty");
        let blob = s
            .get(Threads, "threads/t1/empty")
            .await
            .expect("get")
            .expect("exists");
        assert!(blob.bytes.is_empty());
        assert_eq!(
            s.read_from(Threads, "threads/t1/empty", 0)
                .await
                .expect("read"),
            Some(Vec::new())
        );
    }

    pub async fn append_without_expected_len(s: Store) {
        let key = "threads/t1/runs/r1/events";
        assert_eq!(
            s.append(Threads, key, b"ab".to_vec(), None)
                .await
                .expect("append"),
            2
        );
        assert_eq!(
            s.append(Threads, key, b"cde".to_vec(), None)
                .await
                .expect("append"),
            5
        );
        assert_eq!(
            s.read_from(Threads, key, 0).await.expect("read"),
            Some(b"abcde".to_vec())
        );
    }

    pub async fn append_with_expected_len(s: Store) {
        let key = "threads/t1/runs/r1/events";
        // Expecting 0 on a missing blob creates it.
        assert_eq!(
            s.append(Threads, key, b"x".to_vec(), Some(0))
                .await
                .expect("append"),
            1
        );
        assert_eq!(
            s.append(Threads, key, b"yz".to_vec(), Some(1))
                .await
                .expect("append"),
            3
        );
        assert_eq!(
            s.append(Threads, key, b"\n".to_vec(), None)
                .await
                .expect("append"),
            4
        );
        assert_eq!(
            s.append(Threads, key, b"w".to_vec(), Some(4))
                .await
                .expect("append"),
            5
        );
        assert_eq!(
            s.read_from(Threads, key, 0).await.expect("read"),
            Some(b"xyz\nw".to_vec())
        );
    }

    pub async fn conflicting_expected_len_writes_nothing(s: Store) {
        let key = "threads/t1/runs/r1/events";
        s.append(Threads, key, b"line-1\n".to_vec(), Some(0))
            .await
            .expect("append");
        conflict(
            s.append(Threads, key, b"stale\n".to_vec(), Some(0)).await,
            "expected 0, is 7",
        );
        conflict(
            s.append(Threads, key, b"ahead\n".to_vec(), Some(100)).await,
            "expected 100, is 7",
        );
        assert_eq!(
            s.read_from(Threads, key, 0).await.expect("read"),
            Some(b"line-1\n".to_vec()),
            "a lost append writes nothing"
        );
        // And the writer that re-reads the length goes on.
        assert_eq!(
            s.append(Threads, key, b"line-2\n".to_vec(), Some(7))
                .await
                .expect("append"),
            14
        );
    }

    pub async fn empty_append_creates_and_checks(s: Store) {
        let key = "threads/t1/runs/r1/events";
        assert_eq!(
            s.append(Threads, key, Vec::new(), None)
                .await
                .expect("append"),
            0
        );
        assert_eq!(
            s.read_from(Threads, key, 0).await.expect("read"),
            Some(Vec::new())
        );
        s.append(Threads, key, b"abc".to_vec(), Some(0))
            .await
            .expect("append");
        assert_eq!(
            s.append(Threads, key, Vec::new(), Some(3))
                .await
                .expect("append"),
            3
        );
        conflict(
            s.append(Threads, key, Vec::new(), Some(2)).await,
            "empty append, wrong len",
        );
    }

    pub async fn read_from_offsets(s: Store) {
        let key = "threads/t1/runs/r1/events";
        s.append(Threads, key, b"01234".to_vec(), Some(0))
            .await
            .expect("append");
        s.append(Threads, key, b"56789".to_vec(), Some(5))
            .await
            .expect("append");
        let read = |o: u64| {
            let s = s.clone();
            async move { s.read_from(Threads, key, o).await.expect("read_from") }
        };
        assert_eq!(read(0).await, Some(b"0123456789".to_vec()), "offset 0");
        assert_eq!(read(4).await, Some(b"456789".to_vec()), "middle");
        assert_eq!(read(9).await, Some(b"9".to_vec()), "last byte");
        assert_eq!(read(10).await, Some(Vec::new()), "at the end");
        assert_eq!(read(25).await, Some(Vec::new()), "past the end");
        // Block blobs read by range too.
        s.put(
            Threads,
            "threads/t1/plain",
            b"hello world".to_vec(),
            "text/plain",
            WriteCondition::Any,
        )
        .await
        .expect("put");
        assert_eq!(
            s.read_from(Threads, "threads/t1/plain", 6)
                .await
                .expect("read"),
            Some(b"world".to_vec())
        );
    }

    pub async fn list_by_prefix_sorted(s: Store) {
        let keys = [
            "threads/b/snapshot.json",
            "threads/a/snapshot.json",
            "threads/a/files/ff00",
            "threads/a/files/00ff",
            "threads/a/runs/r1/events",
            "threads/ab/snapshot.json",
            "other/z",
        ];
        for k in keys {
            s.put(
                Threads,
                k,
                k.as_bytes().to_vec(),
                "text/plain",
                WriteCondition::Any,
            )
            .await
            .expect("put");
        }
        assert_eq!(
            s.list(Threads, "threads/a/").await.expect("list"),
            vec![
                "threads/a/files/00ff",
                "threads/a/files/ff00",
                "threads/a/runs/r1/events",
                "threads/a/snapshot.json",
            ]
        );
        // A plain string prefix, not a directory.
        assert_eq!(
            s.list(Threads, "threads/a").await.expect("list"),
            vec![
                "threads/a/files/00ff",
                "threads/a/files/ff00",
                "threads/a/runs/r1/events",
                "threads/a/snapshot.json",
                "threads/ab/snapshot.json",
            ]
        );
        assert_eq!(
            s.list(Threads, "threads/a/files/f").await.expect("list"),
            vec!["threads/a/files/ff00"]
        );
        let mut all: Vec<String> = keys.iter().map(|k| k.to_string()).collect();
        all.sort();
        assert_eq!(s.list(Threads, "").await.expect("list"), all);
        assert!(s.list(Threads, "nothing/").await.expect("list").is_empty());
    }

    pub async fn delete_if_match_deletes_only_that_version(s: Store) {
        let key = "threads/t1/live/presence/p";
        let first = put_json(&s, key, b"1".to_vec(), WriteCondition::Any)
            .await
            .expect("put");
        let second = put_json(&s, key, b"2".to_vec(), WriteCondition::Any)
            .await
            .expect("put again");
        conflict(
            s.delete_if_match(Threads, key, &first).await,
            "a stale ETag",
        );
        assert_eq!(bytes(&s, Threads, key).await, Some(b"2".to_vec()));
        s.delete_if_match(Threads, key, &second)
            .await
            .expect("the current ETag deletes");
        assert!(s.get(Threads, key).await.expect("get").is_none());
        conflict(
            s.delete_if_match(Threads, key, &second).await,
            "a deleted blob is not that version",
        );
    }

    pub async fn delete_removes_and_is_idempotent(s: Store) {
        let key = "threads/t1/files/abc";
        s.put(
            Threads,
            key,
            b"x".to_vec(),
            "text/plain",
            WriteCondition::Any,
        )
        .await
        .expect("put");
        s.append(Threads, "threads/t1/runs/r/events", b"e".to_vec(), None)
            .await
            .expect("append");
        s.delete(Threads, key).await.expect("delete");
        s.delete(Threads, "threads/t1/runs/r/events")
            .await
            .expect("delete append blob");
        assert!(s.get(Threads, key).await.expect("get").is_none());
        assert!(
            s.list(Threads, "threads/t1/")
                .await
                .expect("list")
                .is_empty()
        );
        s.delete(Threads, key)
            .await
            .expect("deleting a missing blob is fine");
        // Re-creatable after delete.
        s.put(
            Threads,
            key,
            b"y".to_vec(),
            "text/plain",
            WriteCondition::CreateOnly,
        )
        .await
        .expect("create after delete");
    }

    pub async fn invalid_keys_are_rejected(s: Store) {
        for key in ["", "/abs", "a/../b", "a//b", "./a", "a\\b"] {
            let r = s
                .put(
                    Threads,
                    key,
                    b"x".to_vec(),
                    "text/plain",
                    WriteCondition::Any,
                )
                .await;
            assert!(
                matches!(r, Err(StoreError::InvalidKey(_))),
                "put {key:?}: {r:?}"
            );
            let r = s.get(Threads, key).await;
            assert!(
                matches!(r, Err(StoreError::InvalidKey(_))),
                "get {key:?}: {r:?}"
            );
            let r = s.append(Threads, key, b"x".to_vec(), None).await;
            assert!(
                matches!(r, Err(StoreError::InvalidKey(_))),
                "append {key:?}: {r:?}"
            );
        }
    }

    pub async fn containers_are_separate(s: Store) {
        s.put(
            Threads,
            "t/x",
            b"threads".to_vec(),
            "text/plain",
            WriteCondition::Any,
        )
        .await
        .expect("put");
        s.put(
            Artifacts,
            "t/x",
            b"artifacts".to_vec(),
            "text/plain",
            WriteCondition::CreateOnly,
        )
        .await
        .expect("same key, other container");
        assert_eq!(
            bytes(&s, Threads, "t/x").await.as_deref(),
            Some(&b"threads"[..])
        );
        assert_eq!(
            bytes(&s, Artifacts, "t/x").await.as_deref(),
            Some(&b"artifacts"[..])
        );
        assert_eq!(s.list(Artifacts, "").await.expect("list"), vec!["t/x"]);
    }

    pub async fn large_values_round_trip(s: Store) {
        // Past the SDK's 4 MiB partition and the emulator's 4 MiB append block.
        let big: Vec<u8> = (0..(9 * 1024 * 1024 + 17))
            .map(|i| (i % 251) as u8)
            .collect();
        let etag = s
            .put(
                Artifacts,
                "v1/big.bin",
                big.clone(),
                "application/octet-stream",
                WriteCondition::CreateOnly,
            )
            .await
            .expect("put big");
        let blob = s
            .get(Artifacts, "v1/big.bin")
            .await
            .expect("get")
            .expect("exists");
        assert_eq!(blob.etag, etag);
        assert!(blob.bytes == big, "big blob round trip");
        let n = big.len() as u64;
        assert_eq!(
            s.append(Artifacts, "v1/log", big.clone(), Some(0))
                .await
                .expect("append"),
            n
        );
        let tail = s
            .read_from(Artifacts, "v1/log", n - 100)
            .await
            .expect("read")
            .expect("exists");
        assert!(tail == big[big.len() - 100..], "tail of a big append blob");
        let all = s
            .read_from(Artifacts, "v1/log", 0)
            .await
            .expect("read")
            .expect("exists");
        assert!(all == big, "big append blob round trip");
    }

    pub async fn concurrent_if_match_racers_one_wins(s: Store) {
        let key = "threads/race/snapshot.json";
        let e0 = put_json(&s, key, b"v0".to_vec(), WriteCondition::CreateOnly)
            .await
            .expect("create");
        race_puts(
            &s,
            key,
            "racer",
            WriteCondition::IfMatch(e0),
            "If-Match racer",
        )
        .await;
    }

    pub async fn concurrent_creators_one_wins(s: Store) {
        let key = "threads/new/snapshot.json";
        race_puts(&s, key, "creator", WriteCondition::CreateOnly, "creator").await;
    }

    /// The first line of a new event log: the blob does not exist yet, every writer creates it
    /// and appends at 0, and still only one line lands.
    pub async fn concurrent_first_appenders_one_wins(s: Store) {
        let key = "threads/new/runs/r/events";
        let (i, all) = race_appends(&s, key, 0, "first", "first line").await;
        assert_eq!(all, format!("first-{i}\n").into_bytes());
    }

    pub async fn concurrent_appenders_one_wins(s: Store) {
        let key = "threads/race/runs/r/events";
        s.append(Threads, key, b"start\n".to_vec(), Some(0))
            .await
            .expect("append");
        let (i, all) = race_appends(&s, key, 6, "writer", "appender").await;
        assert_eq!(all, format!("start\nwriter-{i}\n").into_bytes());
    }

    /// Spawns `n` tasks running `f(i)` and returns the indices and values of those that won
    /// (`Ok`); every loser must be a `Conflict`.
    pub(crate) async fn race<T, F, Fut>(n: usize, f: F) -> Vec<(usize, T)>
    where
        T: Send + 'static,
        F: Fn(usize) -> Fut,
        Fut: std::future::Future<Output = Result<T, StoreError>> + Send + 'static,
    {
        let tasks: Vec<_> = (0..n).map(|i| (i, tokio::spawn(f(i)))).collect();
        let mut winners = Vec::new();
        for (i, t) in tasks {
            match t.await.expect("join") {
                Ok(v) => winners.push((i, v)),
                Err(StoreError::Conflict(_)) => {}
                Err(e) => panic!("racer {i}: {e}"),
            }
        }
        winners
    }

    /// 8 racers put `{name}-{i}` under `condition`: exactly one wins, and the blob is its body
    /// with the ETag its put returned.
    async fn race_puts(
        s: &Store,
        key: &'static str,
        name: &'static str,
        condition: WriteCondition,
        who: &str,
    ) {
        let winners = race(8, |i| {
            let s = s.clone();
            let condition = condition.clone();
            async move {
                let body = format!("{name}-{i}").into_bytes();
                put_json(&s, key, body, condition).await
            }
        })
        .await;
        assert_eq!(winners.len(), 1, "exactly one {who} wins: {winners:?}");
        let (i, etag) = &winners[0];
        let blob = s.get(Threads, key).await.expect("get").expect("exists");
        assert_eq!(blob.bytes, format!("{name}-{i}").into_bytes());
        assert_eq!(&blob.etag, etag);
    }

    /// 8 racers append `{name}-{i}\n` expecting length `at`: exactly one lands, and its append
    /// returns the new length. Returns the winner and the whole blob.
    async fn race_appends(
        s: &Store,
        key: &'static str,
        at: u64,
        name: &'static str,
        who: &str,
    ) -> (usize, Vec<u8>) {
        let winners = race(8, |i| {
            let s = s.clone();
            async move {
                let line = format!("{name}-{i}\n").into_bytes();
                s.append(Threads, key, line, Some(at)).await
            }
        })
        .await;
        assert_eq!(winners.len(), 1, "exactly one {who} wins: {winners:?}");
        let (i, len) = winners[0];
        let all = s
            .read_from(Threads, key, 0)
            .await
            .expect("read")
            .expect("exists");
        assert_eq!(len, all.len() as u64);
        (i, all)
    }
}

// ------------------------------------------------------------------ queue cases

mod queue_cases {
    use super::*;

    type Queue = Arc<dyn QueueService>;

    const VIS: Duration = Duration::from_secs(1);
    /// Past a 1 s visibility/delay on a 1 s-granular service, with slack for a loaded machine.
    const PAST: Duration = Duration::from_millis(2200);

    async fn take(q: &Queue, vis: Duration) -> Delivery {
        q.receive(QUEUE, vis)
            .await
            .expect("receive")
            .expect("a visible message")
    }

    async fn none(q: &Queue, what: &str) {
        let r = q.receive(QUEUE, VIS).await.expect("receive");
        assert!(
            r.is_none(),
            "{what}: expected no visible message, got {r:?}"
        );
    }

    fn receipt<T: std::fmt::Debug>(r: Result<T, QueueError>, what: &str) {
        assert!(
            matches!(r, Err(QueueError::Receipt(_))),
            "{what}: expected Receipt, got {r:?}"
        );
    }

    pub async fn ensure_is_idempotent(q: Queue) {
        q.ensure(QUEUE).await.expect("ensure again");
        q.send(QUEUE, "x", Duration::ZERO).await.expect("send");
        q.ensure(QUEUE).await.expect("ensure keeps messages");
        assert_eq!(take(&q, VIS).await.body, "x");
    }

    pub async fn send_receive_round_trips_body(q: Queue) {
        let body = r#"{"threadId":"t-1","runId":"r-1","step":"code","seq":3,"attempt":1,"note":"ünïcödé ✓ <&>"}"#;
        q.send(QUEUE, body, Duration::ZERO).await.expect("send");
        let d = take(&q, VIS).await;
        assert_eq!(d.body, body);
        assert_eq!(d.dequeue_count, 1);
        assert!(!d.id.is_empty() && !d.pop_receipt.is_empty());
        // Text that happens to look like base64 survives too.
        q.send(QUEUE, "QUJD", Duration::ZERO).await.expect("send");
        q.delete(QUEUE, &d).await.expect("delete");
        assert_eq!(take(&q, VIS).await.body, "QUJD");
    }

    pub async fn receive_hides_for_visibility_then_redelivers(q: Queue) {
        q.send(QUEUE, "step", Duration::ZERO).await.expect("send");
        let first = take(&q, VIS).await;
        assert_eq!(first.dequeue_count, 1);
        none(&q, "hidden for the visibility timeout").await;
        tokio::time::sleep(PAST).await;
        let second = take(&q, VIS).await;
        assert_eq!(second.id, first.id, "the same message comes back");
        assert_eq!(second.body, "step");
        assert_eq!(
            second.dequeue_count, 2,
            "dequeue count increments on redelivery"
        );
        assert_ne!(second.pop_receipt, first.pop_receipt);
        q.delete(QUEUE, &second).await.expect("delete");
    }

    pub async fn delete_removes_message(q: Queue) {
        q.send(QUEUE, "once", Duration::ZERO).await.expect("send");
        let d = take(&q, VIS).await;
        q.delete(QUEUE, &d).await.expect("delete");
        assert_eq!(q.len(QUEUE).await.expect("len"), 0);
        tokio::time::sleep(PAST).await;
        none(&q, "deleted for good").await;
        receipt(q.delete(QUEUE, &d).await, "delete twice");
    }

    pub async fn delete_with_stale_receipt_fails(q: Queue) {
        q.send(QUEUE, "m", Duration::ZERO).await.expect("send");
        let first = take(&q, VIS).await;
        tokio::time::sleep(PAST).await;
        let second = take(&q, Duration::from_secs(30)).await;
        assert_eq!(second.id, first.id);
        receipt(
            q.delete(QUEUE, &first).await,
            "delete with the first receipt",
        );
        q.delete(QUEUE, &second)
            .await
            .expect("delete with the current receipt");
        assert_eq!(q.len(QUEUE).await.expect("len"), 0);
    }

    pub async fn release_with_delay(q: Queue) {
        q.send(QUEUE, "retry me", Duration::ZERO)
            .await
            .expect("send");
        let d = take(&q, Duration::from_secs(30)).await;
        let receipt2 = q
            .release(QUEUE, &d, Duration::from_secs(1))
            .await
            .expect("release");
        assert_ne!(receipt2, d.pop_receipt, "release returns a new receipt");
        none(&q, "released with a delay").await;
        tokio::time::sleep(PAST).await;
        let again = take(&q, VIS).await;
        assert_eq!(again.id, d.id);
        assert_eq!(again.body, "retry me", "release keeps the message text");
        assert_eq!(again.dequeue_count, 2);
        // Release with no delay: visible at once.
        q.release(QUEUE, &again, Duration::ZERO)
            .await
            .expect("release now");
        let third = take(&q, VIS).await;
        assert_eq!(third.dequeue_count, 3);
        q.delete(QUEUE, &third).await.expect("delete");
    }

    pub async fn release_with_stale_receipt_fails(q: Queue) {
        q.send(QUEUE, "m", Duration::ZERO).await.expect("send");
        let d = take(&q, Duration::from_secs(30)).await;
        let new_receipt = q
            .release(QUEUE, &d, Duration::from_secs(30))
            .await
            .expect("release");
        receipt(
            q.release(QUEUE, &d, Duration::ZERO).await,
            "release with the old receipt",
        );
        receipt(q.delete(QUEUE, &d).await, "delete with the old receipt");
        let current = Delivery {
            pop_receipt: new_receipt,
            ..d
        };
        q.delete(QUEUE, &current)
            .await
            .expect("delete with the new receipt");
    }

    pub async fn delayed_send_not_visible_before_delay(q: Queue) {
        q.send(QUEUE, "later", Duration::from_secs(1))
            .await
            .expect("send");
        none(&q, "before the delay").await;
        assert_eq!(
            q.len(QUEUE).await.expect("len"),
            1,
            "counted while invisible"
        );
        tokio::time::sleep(PAST).await;
        let d = take(&q, VIS).await;
        assert_eq!(d.body, "later");
        assert_eq!(d.dequeue_count, 1);
    }

    pub async fn missing_queue_is_empty_and_refuses_messages(q: Queue) {
        assert_eq!(q.len("never-created").await.expect("len"), 0);
        let r = q.send("never-created", "x", Duration::ZERO).await;
        assert!(matches!(r, Err(QueueError::Backend(_))), "send: {r:?}");
        let r = q.receive("never-created", VIS).await;
        assert!(matches!(r, Err(QueueError::Backend(_))), "receive: {r:?}");
    }

    pub async fn len_counts_visible_and_invisible(q: Queue) {
        assert_eq!(q.len(QUEUE).await.expect("len"), 0);
        for i in 0..3 {
            q.send(QUEUE, &format!("m{i}"), Duration::ZERO)
                .await
                .expect("send");
        }
        assert_eq!(q.len(QUEUE).await.expect("len"), 3);
        let d = take(&q, Duration::from_secs(30)).await;
        assert_eq!(
            q.len(QUEUE).await.expect("len"),
            3,
            "an invisible message still counts"
        );
        q.delete(QUEUE, &d).await.expect("delete");
        assert_eq!(q.len(QUEUE).await.expect("len"), 2);
    }
}

// ------------------------------------------------------------------ Azure-only wire checks

/// What the Functions host sees: AzureQueue writes base64 text, and reads base64 text written
/// by others (the host's queue output binding encodes the same way).
#[tokio::test]
async fn azurite_queue_messages_are_base64_on_the_wire() {
    use azure_storage_queue::QueueServiceClient;
    use azure_storage_queue::models::{QueueClientPeekMessagesOptions, QueueMessage};
    use base64::Engine as _;

    if !azurite_enabled("queue_messages_are_base64_on_the_wire") {
        return;
    }
    let conn = azurite_connection();
    let prefix = unique_prefix();
    let q = AzureQueue::with_prefix(&conn, &prefix).expect("queue");
    q.ensure(QUEUE).await.expect("ensure");

    // A raw client authorised by a fixed account SAS in the URL (the connection-string SAS path).
    let appgen_runtime::azure::StorageAuth::SharedKey { account, key } = &conn.auth else {
        panic!("the Azurite connection must use an account key");
    };
    let sas =
        appgen_runtime::azure::sas::account_sas(account, key, time::OffsetDateTime::now_utc());
    let mut url = conn.queue_endpoint.clone();
    url.set_query(Some(&sas));
    let raw = QueueServiceClient::new(url, None, None)
        .expect("raw client")
        .queue_client(&q.queue_name(QUEUE))
        .expect("raw queue client");

    let body = r#"{"step":"code","seq":1}"#;
    q.send(QUEUE, body, Duration::ZERO).await.expect("send");
    let peeked = raw
        .peek_messages(Some(QueueClientPeekMessagesOptions {
            number_of_messages: Some(1),
            ..Default::default()
        }))
        .await
        .expect("peek")
        .into_model()
        .expect("peek model");
    let text = peeked
        .items
        .and_then(|v| v.into_iter().next())
        .and_then(|m| m.message_text)
        .expect("a peeked message");
    assert_eq!(text, base64::engine::general_purpose::STANDARD.encode(body));
    let d = q
        .receive(QUEUE, Duration::from_secs(30))
        .await
        .expect("receive")
        .expect("message");
    q.delete(QUEUE, &d).await.expect("delete");

    // Written by someone else, base64 as the host's output binding writes it.
    let message = QueueMessage {
        message_text: Some(base64::engine::general_purpose::STANDARD.encode("from the host")),
    };
    raw.send_message(message.try_into().expect("xml"), None)
        .await
        .expect("raw send");
    let d = q
        .receive(QUEUE, Duration::from_secs(30))
        .await
        .expect("receive")
        .expect("message");
    assert_eq!(d.body, "from the host");
    q.delete(QUEUE, &d).await.expect("delete");
    q.delete_queue(QUEUE).await.expect("cleanup");
}

/// A missing container is a configuration error that says what to do, not a silent `None`.
#[tokio::test]
async fn azurite_missing_container_is_reported() {
    if !azurite_enabled("missing_container_is_reported") {
        return;
    }
    let store =
        AzureBlobStore::with_prefix(&azurite_connection(), &unique_prefix()).expect("store");
    let err = store
        .put(
            Container::Threads,
            "a",
            b"x".to_vec(),
            "text/plain",
            WriteCondition::Any,
        )
        .await
        .expect_err("no container");
    assert!(err.to_string().contains("ensure_containers"), "{err}");
}

/// A connection string with `SharedAccessSignature` (a fixed token) works like an account key.
#[tokio::test]
async fn azurite_fixed_sas_connection_works() {
    use appgen_runtime::azure::StorageAuth;
    if !azurite_enabled("fixed_sas_connection_works") {
        return;
    }
    let conn = azurite_connection();
    let StorageAuth::SharedKey { account, key } = &conn.auth else {
        panic!("the Azurite connection must use an account key");
    };
    let sas =
        appgen_runtime::azure::sas::account_sas(account, key, time::OffsetDateTime::now_utc());
    let cs = format!(
        "BlobEndpoint={};QueueEndpoint={};SharedAccessSignature=?{sas}",
        conn.blob_endpoint, conn.queue_endpoint
    );
    let conn = StorageConnection::parse_connection_string("TEST", &cs).expect("parse");
    assert!(matches!(conn.auth, StorageAuth::Sas(_)));
    let prefix = unique_prefix();
    let store = AzureBlobStore::with_prefix(&conn, &prefix).expect("store");
    store.ensure_containers().await.expect("containers");
    let etag = store
        .put(
            Container::Threads,
            "a/b",
            b"x".to_vec(),
            "text/plain",
            WriteCondition::CreateOnly,
        )
        .await
        .expect("put");
    let blob = store
        .get(Container::Threads, "a/b")
        .await
        .expect("get")
        .expect("exists");
    assert_eq!(blob.etag, etag);
    store.delete_containers().await.expect("cleanup");
    let q = AzureQueue::with_prefix(&conn, &prefix).expect("queue");
    q.ensure(QUEUE).await.expect("ensure");
    q.send(QUEUE, "hi", Duration::ZERO).await.expect("send");
    let d = q
        .receive(QUEUE, Duration::from_secs(5))
        .await
        .expect("receive")
        .expect("message");
    assert_eq!(d.body, "hi");
    q.delete(QUEUE, &d).await.expect("delete");
    q.delete_queue(QUEUE).await.expect("cleanup");
}

/// A wrong account key fails at once with the service's reason, not after retries.
#[tokio::test]
async fn azurite_wrong_key_is_an_auth_error() {
    use appgen_runtime::azure::StorageAuth;
    if !azurite_enabled("wrong_key_is_an_auth_error") {
        return;
    }
    let mut conn = azurite_connection();
    let StorageAuth::SharedKey { account, .. } = &conn.auth else {
        panic!("the Azurite connection must use an account key");
    };
    conn.auth = StorageAuth::SharedKey {
        account: account.clone(),
        key: b"not the key".to_vec(),
    };
    let store = AzureBlobStore::with_prefix(&conn, &unique_prefix()).expect("store");
    let started = std::time::Instant::now();
    let err = store.ensure_containers().await.expect_err("bad key");
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "auth errors are not retried"
    );
    assert!(err.to_string().contains("403"), "{err}");
}

// ------------------------------------------------------------------ app data cases

/// The records of generated apps (`appgen_runtime::appdata`) on each backend.
mod appdata_cases {
    use super::*;
    use appgen_core::appdata::accounts::{AuthError, Credentials};
    use appgen_core::appdata::{ChangeKind, Record, Space};
    use appgen_runtime::appdata::accounts::{AccountError, Accounts};
    use appgen_runtime::appdata::{AppData, DataSpace, LoggedChange, Since, new_record_id};
    use serde_json::json;

    type Store = Arc<dyn BlobStore>;

    fn record(item: &str) -> Record {
        let mut data = serde_json::Map::new();
        data.insert("item".into(), json!(item));
        Record {
            id: new_record_id(),
            created_at: 1,
            updated_at: 1,
            created_by: "c".into(),
            data,
        }
    }

    /// Where a new log starts, and the changes after a position (which the log must still have).
    const START: u64 = 1 << 32;

    async fn changes(d: &AppData, ds: &DataSpace, from: u64) -> Vec<LoggedChange> {
        match d.changes_from(ds, from).await.expect("log") {
            Since::Changes(c) => c,
            Since::Gone => panic!("position {from} is gone"),
        }
    }

    fn space(thread: &str, space: Space) -> DataSpace {
        DataSpace::new(thread, space).expect("space")
    }

    pub async fn appdata_records_round_trip_and_log_changes(s: Store) {
        let d = AppData::new(s);
        let ds = space("t1", Space::Preview);
        let recs: Vec<Record> = ["Milk", "Eggs", "Tea"].iter().map(|i| record(i)).collect();
        for r in &recs {
            d.create(&ds, "items", r).await.expect("create");
        }
        let (got, _) = d
            .get(&ds, "items", &recs[1].id)
            .await
            .expect("get")
            .expect("there");
        assert_eq!(got, recs[1]);
        let mut listed = d.list(&ds, "items").await.expect("list");
        listed.sort_by(|a, b| a.id.cmp(&b.id));
        assert_eq!(listed, recs, "ids are time-ordered");
        assert_eq!(d.count(&ds, "items").await.expect("count"), 3);
        assert!(d.get(&ds, "items", "nope").await.expect("get").is_none());
        let log = changes(&d, &ds, START).await;
        assert_eq!(log.len(), 3);
        assert!(log.iter().all(|c| c.change.kind == ChangeKind::Created));
        let rest = changes(&d, &ds, log[0].next).await;
        assert_eq!(rest, log[1..].to_vec(), "resumes after an offset");
        assert_eq!(d.log_end(&ds).await.expect("end"), log[2].next);
        assert!(
            d.create(&ds, "items", &recs[0]).await.is_err(),
            "an id is never reused"
        );
        assert!(d.get(&ds, "../x", "a").await.is_err(), "names are checked");
    }

    pub async fn appdata_the_log_keeps_its_newest_segments_and_says_what_is_gone(s: Store) {
        use appgen_core::appdata::{LOG_SEGMENT_BYTES, LOG_SEGMENTS_KEPT};
        // Two writers (two instances on one storage) taking turns, ~60 KB a change.
        let (a, b) = (AppData::new(s.clone()), AppData::new(s.clone()));
        let ds = space("t1", Space::Preview);
        let big = |i: usize| record(&format!("{i:03}{}", "x".repeat(60_000)));
        let per_segment = LOG_SEGMENT_BYTES as usize / 60_000 + 1;
        let n = per_segment * (LOG_SEGMENTS_KEPT as usize + 2);
        // Each lists from what it read before, kept up from the log (the other's writes too).
        assert_eq!(a.count(&ds, "items").await.expect("count"), 0);
        let mut ends = Vec::new();
        for i in 0..n {
            let d = if i % 2 == 0 { &a } else { &b };
            d.create(&ds, "items", &big(i)).await.expect("create");
            ends.push(d.log_end(&ds).await.expect("end"));
        }
        let kept = s
            .list(Container::Threads, "t1/data/preview/_log/")
            .await
            .expect("list");
        assert_eq!(kept.len() as u64, LOG_SEGMENTS_KEPT, "{kept:?}");
        assert_eq!(a.changes_from(&ds, START).await.expect("read"), Since::Gone);
        assert_eq!(
            a.changes_from(&ds, 42).await.expect("read"),
            Since::Gone,
            "an old id"
        );
        // From a position the log still has: every change after it, whole and in order.
        let from = ends[n - per_segment * 2];
        let items: Vec<String> = changes(&b, &ds, from)
            .await
            .iter()
            .map(|c| c.change.record.as_ref().expect("record").data["item"].to_string())
            .collect();
        let want: Vec<String> = (n - per_segment * 2 + 1..n)
            .map(|i| json!(big(i).data["item"]).to_string())
            .collect();
        assert_eq!(items, want);
        assert_eq!(
            changes(&a, &ds, ends[n - 1]).await,
            vec![],
            "nothing after the end"
        );
    }

    pub async fn appdata_stale_updates_conflict_and_one_racer_wins(s: Store) {
        let d = AppData::new(s);
        let ds = space("t1", Space::Live);
        let mut r = record("Milk");
        let e0 = d.create(&ds, "items", &r).await.expect("create");
        r.data.insert("item".into(), json!("Oat milk"));
        let e1 = d
            .replace(&ds, "items", &r, &e0)
            .await
            .expect("first writer");
        r.data.insert("item".into(), json!("Soy milk"));
        let stale = d.replace(&ds, "items", &r, &e0).await;
        assert!(matches!(stale, Err(StoreError::Conflict(_))), "{stale:?}");
        let winners = blob_cases::race(8, |i| {
            let (d, ds, mut r, e1) = (d.clone(), ds.clone(), r.clone(), e1.clone());
            async move {
                r.data.insert("item".into(), json!(format!("racer-{i}")));
                d.replace(&ds, "items", &r, &e1).await
            }
        })
        .await;
        assert_eq!(winners.len(), 1, "exactly one racer: {winners:?}");
        let (now, etag) = d
            .get(&ds, "items", &r.id)
            .await
            .expect("get")
            .expect("there");
        assert_eq!(now.data["item"], json!(format!("racer-{}", winners[0].0)));
        assert_eq!(etag, winners[0].1);
    }

    /// The AI budget's counter (`ai_usage.rs`): concurrent calls each add their tokens once
    /// (conditional writes, retried), per app, space and day; a preview reset leaves it.
    pub async fn ai_usage_concurrent_additions_lose_no_counts(s: Store) {
        use appgen_runtime::ai_usage::AiUsage;
        let u = AiUsage::new(s.clone());
        let day = "2026-12-07";
        let added = blob_cases::race(8, |_| {
            let u = u.clone();
            async move { u.add("t1", Space::Preview, day, 10).await }
        })
        .await;
        assert_eq!(added.len(), 8, "every addition lands: {added:?}");
        let (used, etag) = u.read("t1", Space::Preview, day).await.expect("read");
        assert_eq!((used.tokens, used.calls), (80, 8));
        assert!(etag.is_some());
        let fresh = [
            u.read("t1", Space::Live, day).await,
            u.read("t1", Space::Preview, "2026-12-08").await,
            u.read("t2", Space::Preview, day).await,
        ];
        for r in fresh {
            assert_eq!(r.expect("read").0.tokens, 0, "another space, day or app");
        }
        AppData::new(s)
            .reset(&space("t1", Space::Preview))
            .await
            .expect("reset");
        let (after, _) = u.read("t1", Space::Preview, day).await.expect("read");
        assert_eq!(
            after.tokens, 80,
            "resetting the records does not refill the budget"
        );
        assert!(u.add("../x", Space::Preview, day, 1).await.is_err());
    }

    /// The build check's space is erased whole (records, log, accounts, sessions) before and
    /// after each check; the app's other spaces and other apps' check spaces keep theirs.
    pub async fn appdata_erasing_the_check_space_leaves_the_others(s: Store) {
        let d = AppData::new(s.clone());
        let accounts = Accounts::new(s);
        let check = space("t1", Space::Check);
        let preview = space("t1", Space::Preview);
        let other = space("t2", Space::Check);
        for ds in [&check, &preview, &other] {
            d.create(ds, "items", &record("Milk"))
                .await
                .expect("create");
        }
        accounts
            .sign_up(&check, creds("ann@x.co", "password-1"), 1_000)
            .await
            .expect("sign up");
        assert!(
            d.erase(&check).await.expect("erase") >= 4,
            "record, log, user, session"
        );
        assert!(d.list(&check, "items").await.expect("list").is_empty());
        assert_eq!(d.log_end(&check).await.expect("end"), START, "the log too");
        let again = accounts
            .sign_up(&check, creds("ann@x.co", "password-1"), 2_000)
            .await;
        assert!(again.is_ok(), "the account went with it: {again:?}");
        assert_eq!(d.list(&preview, "items").await.expect("list").len(), 1);
        assert_eq!(d.list(&other, "items").await.expect("list").len(), 1);
        assert_eq!(d.erase(&other).await.expect("erase"), 2);
        assert_eq!(d.erase(&other).await.expect("erase again"), 0);
    }

    pub async fn appdata_spaces_and_apps_never_leak(s: Store) {
        let d = AppData::new(s);
        let preview = space("t1", Space::Preview);
        let live = space("t1", Space::Live);
        let other = space("t2", Space::Preview);
        d.create(&preview, "items", &record("Milk"))
            .await
            .expect("create");
        d.create(&live, "items", &record("Bread"))
            .await
            .expect("create");
        assert_eq!(d.list(&other, "items").await.expect("list"), vec![]);
        assert!(changes(&d, &other, START).await.is_empty());
        let live_items = d.list(&live, "items").await.expect("list");
        assert_eq!(live_items.len(), 1);
        assert_eq!(live_items[0].data["item"], json!("Bread"));
        assert_eq!(d.reset(&preview).await.expect("reset"), 1);
        assert!(d.list(&preview, "items").await.expect("list").is_empty());
        let log = changes(&d, &preview, START).await;
        assert_eq!(log.last().map(|c| c.change.kind), Some(ChangeKind::Deleted));
        assert_eq!(
            d.list(&live, "items").await.expect("list"),
            live_items,
            "live untouched"
        );
        assert!(DataSpace::new("../t", Space::Live).is_err());
    }

    fn creds(email: &str, password: &str) -> Credentials {
        let body = json!({"email": email, "password": password}).to_string();
        Credentials::parse(body.as_bytes()).expect("credentials")
    }

    fn refused<T: std::fmt::Debug>(r: Result<T, AccountError>, want: AuthError) {
        match r {
            Err(AccountError::Auth(got)) => assert_eq!(got, want),
            other => panic!("expected {want:?}, got {other:?}"),
        }
    }

    pub async fn accounts_one_sign_up_per_email_sessions_expire_and_sign_out(s: Store) {
        let acc = Accounts::new(s);
        let ds = space("t1", Space::Preview);
        // Racing sign-ups of one email (in any case): exactly one account, the others refused.
        let tasks: Vec<_> = (0..4)
            .map(|i| {
                let (acc, ds) = (acc.clone(), ds.clone());
                let c = creds(
                    if i % 2 == 0 { "Ann@x.co" } else { "ann@x.co" },
                    &format!("password-{i}"),
                );
                tokio::spawn(async move { acc.sign_up(&ds, c, 1_000).await })
            })
            .collect();
        let mut won = Vec::new();
        for t in tasks {
            match t.await.expect("join") {
                Ok(s) => won.push(s),
                Err(AccountError::Auth(AuthError::SignupRefused)) => {}
                Err(e) => panic!("sign-up: {e}"),
            }
        }
        assert_eq!(won.len(), 1, "one account per email");
        let ann = won.remove(0);
        let mut signed_in = Vec::new();
        for i in 0..4 {
            if let Ok(s) = acc
                .sign_in(&ds, creds("ann@x.co", &format!("password-{i}")), 2_000)
                .await
            {
                signed_in.push(s);
            }
        }
        assert_eq!(signed_in.len(), 1, "only the winner's password signs in");
        let again = signed_in.remove(0);
        assert_eq!(again.user, ann.user);
        assert_ne!(again.token, ann.token, "a new session each sign-in");
        refused(
            acc.sign_in(&ds, creds("nobody@x.co", "password-0"), 2_000)
                .await,
            AuthError::BadCredentials,
        );

        let user = acc.session(&ds, &ann.token, 3_000).await.expect("session");
        assert_eq!(user.as_ref(), Some(&ann.user));
        acc.sign_out(&ds, &ann.token).await.expect("sign out");
        assert_eq!(
            acc.session(&ds, &ann.token, 3_000).await.expect("read"),
            None
        );
        // Dead at its expiry, and gone from then on (even for a clock that is behind).
        let end = again.expires_at;
        assert!(
            acc.session(&ds, &again.token, end - 1)
                .await
                .expect("read")
                .is_some()
        );
        assert_eq!(
            acc.session(&ds, &again.token, end).await.expect("read"),
            None
        );
        assert_eq!(
            acc.session(&ds, &again.token, end - 1).await.expect("read"),
            None
        );
    }

    pub async fn accounts_expired_sessions_are_swept_at_a_sign_in(s: Store) {
        use appgen_core::appdata::accounts::SESSION_TTL_MS;
        let acc = Accounts::new(s.clone());
        let ds = space("t1", Space::Preview);
        let stored = |what: &'static str| {
            let s = s.clone();
            async move {
                let prefix = format!("t1/data/preview/{what}/");
                s.list(Container::Threads, &prefix)
                    .await
                    .expect("list")
                    .len()
            }
        };
        let pw = "password-1";
        acc.sign_up(&ds, creds("ann@x.co", pw), 1_000)
            .await
            .expect("ann");
        acc.sign_up(&ds, creds("bob@x.co", pw), 2_000)
            .await
            .expect("bob");
        let later = acc
            .sign_in(&ds, creds("ann@x.co", pw), 3_000)
            .await
            .expect("ann again");
        assert_eq!((stored("_sessions").await, stored("_expiry").await), (3, 3));
        // Ann's first session and Bob's have expired, unpresented; the next sign-in sweeps them.
        let t = 2_500 + SESSION_TTL_MS;
        acc.sign_in(&ds, creds("bob@x.co", pw), t)
            .await
            .expect("bob again");
        assert_eq!(
            (stored("_sessions").await, stored("_expiry").await),
            (2, 2),
            "two expired went, one was made"
        );
        assert!(
            acc.session(&ds, &later.token, t)
                .await
                .expect("read")
                .is_some()
        );
        acc.sign_out(&ds, &later.token).await.expect("sign out");
        assert_eq!((stored("_sessions").await, stored("_expiry").await), (1, 1));
    }

    pub async fn accounts_stay_in_their_space_and_survive_a_reset(s: Store) {
        let (acc, d) = (Accounts::new(s.clone()), AppData::new(s));
        let preview = space("t1", Space::Preview);
        let ann = acc
            .sign_up(&preview, creds("ann@x.co", "password-1"), 1_000)
            .await
            .expect("sign up");
        for other in [space("t1", Space::Live), space("t2", Space::Preview)] {
            refused(
                acc.sign_in(&other, creds("ann@x.co", "password-1"), 1_000)
                    .await,
                AuthError::BadCredentials,
            );
            assert_eq!(
                acc.session(&other, &ann.token, 1_000).await.expect("read"),
                None
            );
        }
        d.create(&preview, "items", &record("Milk"))
            .await
            .expect("create");
        assert_eq!(d.reset(&preview).await.expect("reset"), 1, "records only");
        assert!(
            acc.session(&preview, &ann.token, 1_000)
                .await
                .expect("read")
                .is_some()
        );
        acc.sign_in(&preview, creds("ann@x.co", "password-1"), 1_000)
            .await
            .expect("the account stays");
    }
}

// ------------------------------------------------------------------ working together

/// A thread's stream, queued messages and presence (`appgen_runtime::live`) on each backend.
mod live_cases {
    use super::*;
    use appgen_core::live::{Person, QueuedKind, QueuedMessage, ThreadEvent, Withdrawn};
    use appgen_runtime::live::{ThreadLive, Withdrawal};

    pub async fn thread_live_stream_queue_and_presence(s: Arc<dyn BlobStore>) {
        // Two instances on the same storage: appends never interleave, seqs stay dense.
        let (a, b) = (ThreadLive::new(s.clone()), ThreadLive::new(s));
        let told = |id: &str| ThreadEvent::Withdrawn(Withdrawn { id: id.into() });
        assert_eq!(a.append("t", vec![told("1")]).await.expect("a"), 1);
        assert_eq!(
            b.append("t", vec![told("2"), told("3")]).await.expect("b"),
            3
        );
        assert_eq!(a.append("t", vec![told("4")]).await.expect("a again"), 4);
        let (all, end) = b.read_from("t", 0).await.expect("read");
        let seqs: Vec<u64> = all.iter().map(|e| e.seq).collect();
        assert_eq!(seqs, [1, 2, 3, 4]);
        assert!(b.read_from("t", end).await.expect("tail").0.is_empty());

        // Queued messages: in order, once per id, gone when taken off.
        let al = Person::new("key:al", Some("Al"));
        let q = |id: &str, at| QueuedMessage {
            id: id.into(),
            text: format!("change {id}"),
            author: al.clone(),
            queued_at: at,
            kind: QueuedKind::Message,
        };
        a.enqueue("t", &q("b", 2)).await.expect("b");
        a.enqueue("t", &q("a", 1)).await.expect("a");
        assert!(matches!(
            b.enqueue("t", &q("a", 1)).await,
            Err(StoreError::Conflict(_))
        ));
        let ids: Vec<String> = b
            .queued("t")
            .await
            .expect("queued")
            .into_iter()
            .map(|m| m.id)
            .collect();
        assert_eq!(ids, ["a", "b"]);
        b.dequeue("t", "a").await.expect("dequeue");
        b.dequeue("t", "a").await.expect("twice is fine");
        assert_eq!(a.queued("t").await.expect("queued").len(), 1);
        assert!(a.queued("other").await.expect("other thread").is_empty());

        // Presence: a heartbeat on one instance is seen on the other, once per person.
        a.heartbeat("t", &al).await.expect("beat");
        a.heartbeat("t", &al).await.expect("beat again");
        let here = b.present("t").await.expect("present");
        assert_eq!(here, vec![al]);
    }

    fn queued(id: &str, by: &Person) -> QueuedMessage {
        QueuedMessage {
            id: id.into(),
            text: format!("change {id}"),
            author: by.clone(),
            queued_at: 1,
            kind: QueuedKind::Message,
        }
    }

    /// Taking a queued message for its run and its author withdrawing it, at once from two
    /// instances: exactly one wins, and the loser says so (taken → "started"; withdrawn →
    /// nothing to take).
    pub async fn a_withdraw_racing_the_take_loses_or_wins_whole(s: Arc<dyn BlobStore>) {
        let (a, b) = (ThreadLive::new(s.clone()), ThreadLive::new(s));
        let bo = Person::new("key:bo", Some("Bo"));
        a.enqueue("t", &queued("m0", &bo)).await.expect("queue");
        assert_eq!(
            b.withdraw("t", "m0", "key:al").await.expect("not his"),
            Withdrawal::NotAuthor
        );
        assert!(a.take("t", "m0").await.expect("take"));
        assert!(a.take("t", "m0").await.expect("taken again"), "a retry");
        assert_eq!(
            b.withdraw("t", "m0", "key:bo").await.expect("late"),
            Withdrawal::Started
        );
        assert_eq!(
            a.queued("t").await.expect("queued").len(),
            1,
            "until its run"
        );
        a.dequeue("t", "m0").await.expect("run recorded");
        let (mut taken, mut withdrawn) = (0, 0);
        for round in 0..12 {
            let id = format!("m{}", round + 1);
            a.enqueue("t", &queued(&id, &bo)).await.expect("queue");
            // Each goes first in turn (where a backend does not interleave them by itself).
            let (take, withdraw) = (a.take("t", &id), b.withdraw("t", &id, "key:bo"));
            let (took, gone) = if round % 2 == 0 {
                tokio::join!(take, withdraw)
            } else {
                let (gone, took) = tokio::join!(withdraw, take);
                (took, gone)
            };
            match (took.expect("take"), gone.expect("withdraw")) {
                (true, Withdrawal::Started) => {
                    taken += 1;
                    a.dequeue("t", &id).await.expect("run recorded");
                }
                (false, Withdrawal::Withdrawn) => withdrawn += 1,
                other => panic!("round {round}: both or neither won: {other:?}"),
            }
        }
        eprintln!("take won {taken}, withdraw won {withdrawn} of 12");
        assert!(taken > 0 && withdrawn > 0, "both orders were tried");
        assert!(a.queued("t").await.expect("queued").is_empty());
    }

    /// A heartbeat goes when its follower leaves (unless renewed since), and whoever reads
    /// presence deletes the stale ones: the presence blobs come back to none.
    pub async fn stale_heartbeats_are_deleted_and_a_leaver_s_at_once(s: Arc<dyn BlobStore>) {
        let (a, b) = (ThreadLive::new(s.clone()), ThreadLive::new(s.clone()));
        let (al, bo) = (Person::new("key:al", None), Person::new("key:bo", None));
        let count = || async {
            s.list(Container::Threads, "t/live/presence/")
                .await
                .expect("list")
                .len()
        };
        let al_beat = a.heartbeat("t", &al).await.expect("al");
        let first = b.heartbeat("t", &bo).await.expect("bo");
        let _second = b.heartbeat("t", &bo).await.expect("bo's other window");
        assert_eq!(count().await, 2);
        b.leave("t", "key:bo", &first).await;
        assert_eq!(
            count().await,
            2,
            "bo's other window beat since: his beat stays"
        );
        a.leave("t", "key:al", &al_beat).await;
        assert_eq!(count().await, 1, "al left: his beat is gone at once");
        let later = appgen_runtime::now_ms() + 31_000;
        assert!(b.present_at("t", later).await.expect("present").is_empty());
        assert_eq!(count().await, 0, "the stale beat was deleted by the reader");
    }
}
