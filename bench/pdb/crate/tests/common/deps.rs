//! Uses the big dependencies broadly enough that their code (and DWARF) is
//! linked into the test binary.

use clap::{Parser, Subcommand};
use std::collections::BTreeMap;

#[derive(Parser, Debug)]
#[command(name = "bench", about = "exercise clap")]
struct Cli {
    #[arg(short, long, default_value_t = 3)]
    retries: u32,
    #[arg(long, env = "BENCH_NAME_UNSET")]
    name: Option<String>,
    #[arg(short, long, action = clap::ArgAction::Count)]
    verbose: u8,
    #[command(subcommand)]
    cmd: Option<Cmd>,
}

#[derive(Subcommand, Debug)]
enum Cmd {
    Run { #[arg(long)] batch: Vec<String> },
    Check { path: String },
}

#[derive(Debug, serde::Serialize, serde::Deserialize, PartialEq)]
struct Doc {
    id: u64,
    tags: Vec<String>,
    meta: BTreeMap<String, serde_json::Value>,
    nested: Option<Box<Doc>>,
}

const SOURCE: &str = r#"
    use std::collections::HashMap;
    #[derive(Debug, Clone)]
    pub struct Config<T: Clone> { name: String, settings: HashMap<String, T> }
    impl<T: Clone + Default> Config<T> {
        pub fn get(&self, key: &str) -> T { self.settings.get(key).cloned().unwrap_or_default() }
        async fn fetch(&mut self) -> Result<(), Box<dyn std::error::Error>> { let x = match 3 { 1..=2 => 4, _ => 5 }; Ok(()) }
    }
    fn main() { let c = Config::<u64> { name: "x".into(), settings: HashMap::new() }; println!("{}", c.get("a")); }
"#;

struct Counter(usize);
impl<'ast> syn::visit::Visit<'ast> for Counter {
    fn visit_ident(&mut self, i: &'ast proc_macro2::Ident) {
        self.0 += i.to_string().len();
    }
}

fn use_syn() -> usize {
    let file: syn::File = syn::parse_str(SOURCE).expect("parses");
    let mut c = Counter(0);
    syn::visit::visit_file(&mut c, &file);
    let mut file2 = file.clone();
    struct Renamer;
    impl syn::visit_mut::VisitMut for Renamer {
        fn visit_ident_mut(&mut self, i: &mut proc_macro2::Ident) {
            if i == "Config" { *i = proc_macro2::Ident::new("Settings", i.span()); }
        }
    }
    syn::visit_mut::visit_file_mut(&mut Renamer, &mut file2);
    struct Id;
    impl syn::fold::Fold for Id {}
    let file3 = syn::fold::fold_file(&mut Id, file2);
    let tokens = quote::quote!(#file3).to_string();
    let e: syn::Expr = syn::parse_str("a + b * (c - d)[3].f(1, 2).await?").expect("expr");
    let t: syn::Type = syn::parse_str("HashMap<String, Vec<(u8, &'static str)>>").expect("type");
    let d: syn::DeriveInput = syn::parse_str("struct S<T> where T: Clone { a: T, b: u8 }").expect("derive");
    c.0 + tokens.len() + format!("{e:?}{t:?}{d:?}").len() + (file == file3) as usize
}

fn use_regex() -> usize {
    let re = regex::Regex::new(r"(?P<key>[a-z_]+)\s*=\s*(?P<val>\d+)").unwrap();
    let text = "retries = 3, batch_size = 500, timeout = 30";
    let mut n = 0;
    for caps in re.captures_iter(text) {
        n += caps["key"].len() + caps["val"].parse::<usize>().unwrap();
    }
    let set = regex::RegexSet::new([r"\d+", r"[a-z]+", r"\s"]).unwrap();
    n += set.matches(text).iter().count();
    let bre = regex::bytes::Regex::new(r"(?-u)[\x00-\x7f]+").unwrap();
    n += bre.find_iter(text.as_bytes()).count();
    n + re.replace_all(text, "$val=$key").len()
}

fn use_clap() -> usize {
    let cli = Cli::try_parse_from(["bench", "-vv", "--retries", "5", "run", "--batch", "a", "--batch", "b"]).unwrap();
    let help = <Cli as clap::CommandFactory>::command().render_long_help().to_string();
    let err = Cli::try_parse_from(["bench", "--nope"]).unwrap_err().to_string();
    let n = match &cli.cmd { Some(Cmd::Run { batch }) => batch.len(), Some(Cmd::Check { path }) => path.len(), None => 0 };
    n + help.len() + err.len() + cli.retries as usize + cli.verbose as usize + cli.name.map_or(0, |s| s.len())
}

fn use_serde() -> usize {
    let doc = Doc {
        id: 7,
        tags: vec!["a".into(), "b".into()],
        meta: BTreeMap::from([("k".to_string(), serde_json::json!({"x": [1, 2.5, null, true]}))]),
        nested: Some(Box::new(Doc { id: 8, tags: vec![], meta: BTreeMap::new(), nested: None })),
    };
    let s = serde_json::to_string_pretty(&doc).unwrap();
    let back: Doc = serde_json::from_str(&s).unwrap();
    let v: serde_json::Value = serde_json::from_str(&s).unwrap();
    let bytes = serde_json::to_vec(&v).unwrap();
    s.len() + bytes.len() + (back == doc) as usize
}

fn use_tokio() -> usize {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    rt.block_on(async {
        let (tx, mut rx) = tokio::sync::mpsc::channel::<usize>(16);
        let mut set = tokio::task::JoinSet::new();
        for i in 0..4 {
            let tx = tx.clone();
            set.spawn(async move {
                tokio::time::sleep(std::time::Duration::from_millis(1)).await;
                tx.send(i).await.unwrap();
                i
            });
        }
        drop(tx);
        let mut n = 0;
        while let Some(v) = rx.recv().await { n += v; }
        while let Some(r) = set.join_next().await { n += r.unwrap(); }
        let lock = tokio::sync::RwLock::new(5usize);
        n += *lock.read().await;
        let (a, b) = tokio::join!(async { 1 }, tokio::task::spawn_blocking(|| 2));
        n += a + b.unwrap();
        let dir = std::env::temp_dir().join(format!("autopsy-bench-{}", std::process::id()));
        tokio::fs::create_dir_all(&dir).await.unwrap();
        let p = dir.join("f.txt");
        tokio::fs::write(&p, b"hello").await.unwrap();
        use tokio::io::AsyncReadExt;
        let mut f = tokio::fs::File::open(&p).await.unwrap();
        let mut buf = String::new();
        f.read_to_string(&mut buf).await.unwrap();
        n += buf.len();
        tokio::fs::remove_dir_all(&dir).await.unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server = tokio::spawn(async move {
            use tokio::io::AsyncWriteExt;
            let (mut s, _) = listener.accept().await.unwrap();
            s.write_all(b"pong").await.unwrap();
        });
        let mut c = tokio::net::TcpStream::connect(addr).await.unwrap();
        let mut pong = Vec::new();
        c.read_to_end(&mut pong).await.unwrap();
        server.await.unwrap();
        let out = tokio::process::Command::new("true").status().await.map(|s| s.success() as usize).unwrap_or(0);
        let r = tokio::time::timeout(std::time::Duration::from_millis(50), async { 3 }).await.unwrap();
        n + pong.len() + out + r
    })
}

pub fn exercise() -> usize {
    use_syn() + use_regex() + use_clap() + use_serde() + use_tokio() + exercise_more() + use_sql_md_url()
}

mod more {
    use axum::{extract::{Path, Query, State}, routing::{get, post}, Json, Router};
    use http_body_util::BodyExt;
    use rayon::prelude::*;
    use std::collections::HashMap;
    use std::sync::Arc;
    use tower::ServiceExt;

    #[derive(Debug, Clone, serde::Serialize, serde::Deserialize, PartialEq)]
    pub struct Job {
        name: String,
        when: chrono::DateTime<chrono::Utc>,
        retries: u32,
        tags: Vec<String>,
        limits: HashMap<String, u64>,
    }

    #[derive(Clone, Default)]
    struct AppState {
        jobs: Arc<tokio::sync::Mutex<Vec<Job>>>,
    }

    async fn list(State(s): State<AppState>) -> Json<Vec<Job>> {
        Json(s.jobs.lock().await.clone())
    }

    async fn add(State(s): State<AppState>, Json(job): Json<Job>) -> Json<usize> {
        let mut jobs = s.jobs.lock().await;
        jobs.push(job);
        Json(jobs.len())
    }

    async fn one(Path(id): Path<usize>, Query(q): Query<HashMap<String, String>>) -> String {
        format!("{id} {q:?}")
    }

    pub fn use_axum() -> usize {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(async {
            let app = Router::new()
                .route("/jobs", get(list).post(add))
                .route("/jobs/{id}", get(one))
                .route("/ping", post(|| async { "pong" }))
                .with_state(AppState::default());
            let job = sample_job();
            let req = axum::http::Request::post("/jobs")
                .header("content-type", "application/json")
                .body(axum::body::Body::from(serde_json::to_vec(&job).unwrap()))
                .unwrap();
            let res = app.clone().oneshot(req).await.unwrap();
            let n = res.into_body().collect().await.unwrap().to_bytes().len();
            let res = app.clone().oneshot(axum::http::Request::get("/jobs").body(axum::body::Body::empty()).unwrap()).await.unwrap();
            let body = res.into_body().collect().await.unwrap().to_bytes();
            let back: Vec<Job> = serde_json::from_slice(&body).unwrap();
            let res = app.oneshot(axum::http::Request::get("/jobs/7?x=1").body(axum::body::Body::empty()).unwrap()).await.unwrap();
            n + back.len() + res.into_body().collect().await.unwrap().to_bytes().len()
        })
    }

    fn sample_job() -> Job {
        Job {
            name: "nightly".into(),
            when: chrono::DateTime::parse_from_rfc3339("2024-01-02T03:04:05Z").unwrap().with_timezone(&chrono::Utc),
            retries: 3,
            tags: vec!["a".into()],
            limits: HashMap::from([("batch_size".into(), 500)]),
        }
    }

    pub fn use_toml_chrono() -> usize {
        let job = sample_job();
        let s = toml::to_string_pretty(&job).unwrap();
        let back: Job = toml::from_str(&s).unwrap();
        let v: toml::Value = toml::from_str(&s).unwrap();
        let d = chrono::NaiveDate::from_ymd_opt(2024, 2, 29).unwrap() + chrono::Duration::days(400);
        let f = chrono::Local::now().format("%Y-%m-%d %H:%M:%S %z").to_string();
        s.len() + (back == job) as usize + v.as_table().map_or(0, |t| t.len()) + d.to_string().len() + f.len()
    }

    pub fn use_rayon() -> usize {
        let v: Vec<u64> = (0..10_000u64).into_par_iter().map(|x| x * x % 7).collect();
        let mut w = v.clone();
        w.par_sort_unstable();
        let m: HashMap<u64, usize> = v.par_iter().fold(HashMap::new, |mut m, x| { *m.entry(*x).or_insert(0) += 1; m })
            .reduce(HashMap::new, |mut a, b| { for (k, c) in b { *a.entry(k).or_insert(0) += c; } a });
        let s: u64 = w.par_chunks(100).map(|c| c.iter().sum::<u64>()).sum();
        m.len() + s as usize + rayon::join(|| 1, || 2).1
    }

    pub fn use_tracing() -> usize {
        use tracing_subscriber::prelude::*;
        let filter = tracing_subscriber::EnvFilter::new("info,big=debug");
        let buf = std::sync::Arc::new(std::sync::Mutex::new(Vec::<u8>::new()));
        let b2 = buf.clone();
        let layer = tracing_subscriber::fmt::layer().json().with_writer(move || W(b2.clone()));
        let sub = tracing_subscriber::registry().with(filter).with(layer);
        tracing::subscriber::with_default(sub, || {
            let span = tracing::info_span!("job", name = "nightly", retries = 3);
            let _e = span.enter();
            tracing::info!(rows = 2, "running");
            tracing::debug!(?buf, "debug");
            tracing::warn!("done");
        });
        let n = buf.lock().unwrap().len();
        n
    }

    struct W(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);
    impl std::io::Write for W {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> { self.0.lock().unwrap().extend_from_slice(b); Ok(b.len()) }
        fn flush(&mut self) -> std::io::Result<()> { Ok(()) }
    }
}

pub fn exercise_more() -> usize {
    more::use_axum() + more::use_toml_chrono() + more::use_rayon() + more::use_tracing()
}

fn use_sql_md_url() -> usize {
    use sqlparser::dialect::{GenericDialect, PostgreSqlDialect};
    use sqlparser::parser::Parser;
    let sql = "WITH t AS (SELECT a, b, count(*) AS n FROM jobs j JOIN runs r ON j.id = r.job_id \
               WHERE r.status IN ('failed', 'flaky') AND r.at > now() - interval '1 day' GROUP BY a, b HAVING count(*) > 2) \
               SELECT * FROM t ORDER BY n DESC LIMIT 10; \
               INSERT INTO jobs (name, retries) VALUES ('nightly', 3) ON CONFLICT (name) DO UPDATE SET retries = 3; \
               CREATE TABLE runs (id BIGSERIAL PRIMARY KEY, job_id INT REFERENCES jobs(id), at TIMESTAMPTZ NOT NULL DEFAULT now()); \
               UPDATE runs SET status = CASE WHEN n > 1 THEN 'flaky' ELSE 'failed' END WHERE id = 1; DELETE FROM runs WHERE at < '2024-01-01'";
    let stmts = Parser::parse_sql(&PostgreSqlDialect {}, sql).unwrap();
    let again = Parser::parse_sql(&GenericDialect {}, "SELECT x FROM y WHERE z = 1").unwrap();
    let mut rels = 0;
    let _ = sqlparser::ast::visit_relations(&stmts, |_r| {
        rels += 1;
        std::ops::ControlFlow::<()>::Continue(())
    });
    let json = serde_json::to_string(&stmts).unwrap();
    let back: Vec<sqlparser::ast::Statement> = serde_json::from_str(&json).unwrap();
    let text: String = stmts.iter().map(|s| s.to_string()).collect();
    let dbg = format!("{stmts:?}{again:?}");

    let md = "# Batch\n\n*nightly* job with a [link](https://example.invalid) and `code`.\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n- [x] done\n- [ ] todo\n\n```rust\nfn main() {}\n```\n";
    let mut html = String::new();
    pulldown_cmark::html::push_html(&mut html, pulldown_cmark::Parser::new_ext(md, pulldown_cmark::Options::all()));
    let events = pulldown_cmark::Parser::new(md).map(|e| format!("{e:?}").len()).sum::<usize>();

    let u = url::Url::parse("https://user:pw@example.invalid:8080/a/b/../c?x=1&y=two#frag").unwrap();
    let j = u.join("../d?z=3").unwrap();
    let q: usize = j.query_pairs().map(|(k, v)| k.len() + v.len()).sum();

    rels + json.len() + (back == stmts) as usize + text.len() + dbg.len() + html.len() + events + q + u.as_str().len()
}
