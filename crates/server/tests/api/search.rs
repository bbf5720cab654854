//! `GET /search/articles`: ranking, the query language, filters, disjunctive facets
//! (checked against a count made here), cursor pages under concurrent publishing,
//! suggestions, and refusals of bad parameters; and `q` on `GET /articles`.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::support::event_stream::cache_consumers_caught_up;
use crate::support::{Response, TestApp, spawn_app, spawn_app_with};

// ---------------------------------------------------------------- helpers

/// Percent-encodes everything but unreserved characters.
fn encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                char::from(b).to_string()
            }
            other => format!("%{other:02X}"),
        })
        .collect()
}

fn query_string(params: &[(&str, &str)]) -> String {
    params
        .iter()
        .map(|(name, value)| format!("{name}={}", encode(value)))
        .collect::<Vec<_>>()
        .join("&")
}

async fn search(app: &TestApp, params: &[(&str, &str)]) -> Response {
    app.get(&format!("/search/articles?{}", query_string(params)), None)
        .await
}

#[track_caller]
fn ok(response: &Response) -> &Value {
    assert_eq!(response.status, StatusCode::OK, "{}", response.text);
    &response.body
}

fn slugs(body: &Value) -> Vec<String> {
    body["articles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["slug"].as_str().unwrap().to_owned())
        .collect()
}

fn titles(body: &Value) -> Vec<String> {
    body["articles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["title"].as_str().unwrap().to_owned())
        .collect()
}

async fn publish(app: &TestApp, token: &str, title: &str, body: &str, tags: &[&str]) -> String {
    let response = app
        .post(
            "/articles",
            Some(token),
            json!({"article": {"title": title, "description": "notes", "body": body, "tagList": tags}}),
        )
        .await;
    assert_eq!(response.status, StatusCode::CREATED, "{}", response.text);
    response.body["article"]["slug"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn favorite(app: &TestApp, token: &str, slug: &str) {
    let response = app
        .post(
            &format!("/articles/{slug}/favorite"),
            Some(token),
            json!({}),
        )
        .await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.text);
}

// ---------------------------------------------------------------- text

#[tokio::test]
async fn a_title_match_ranks_above_a_body_only_match_and_is_highlighted() {
    let app = spawn_app().await;
    let alice = app.register("alice").await;
    let body_only = publish(
        &app,
        &alice,
        "Notes from the mountains",
        "We saw dragons above the valley, and the dragons saw us.",
        &[],
    )
    .await;
    let titled = publish(&app, &alice, "Dragons of the north", "Cold winds.", &[]).await;
    publish(&app, &alice, "Gardening", "Tomatoes and beans <b>.", &[]).await;

    let response = search(&app, &[("q", "dragons")]).await;
    let body = ok(&response);
    assert_eq!(slugs(body), [titled, body_only]);
    assert_eq!(body["articlesCount"], 2);
    assert_eq!(body["query"]["q"], "dragons");
    assert_eq!(body["query"]["sort"], "relevance");
    assert_eq!(body["nextCursor"], Value::Null);
    assert_eq!(
        body["articles"][0]["highlights"]["title"],
        "<mark>Dragons</mark> of the north"
    );
    let snippet = body["articles"][1]["highlights"]["body"].as_str().unwrap();
    assert!(snippet.contains("<mark>dragons</mark>"), "{snippet}");
    assert!(
        body["articles"][0].get("body").is_none(),
        "lists carry no body"
    );
    assert_eq!(body["articles"][0]["author"]["username"], "alice");

    // Without text there is nothing to highlight, and the newest comes first.
    let response = search(&app, &[]).await;
    let body = ok(&response);
    assert_eq!(body["articlesCount"], 3);
    assert_eq!(body["articles"][0]["title"], "Gardening");
    assert_eq!(body["articles"][0]["highlights"], Value::Null);
    assert_eq!(body["query"]["sort"], "recent");
}

#[tokio::test]
async fn a_long_body_is_highlighted_over_its_opening_and_found_beyond_it() {
    let app = spawn_app().await;
    let alice = app.register("alice").await;
    // The highlighted opening is 4,000 characters; the late match is past it.
    let filler = "plain filler text ".repeat(300);
    let late = publish(
        &app,
        &alice,
        "A long read",
        &format!("Opening words. {filler}Wyverns nest here."),
        &[],
    )
    .await;
    let early = publish(
        &app,
        &alice,
        "A longer read",
        &format!("Wyverns first. {filler}{filler}"),
        &[],
    )
    .await;

    let response = search(&app, &[("q", "wyverns"), ("sort", "recent")]).await;
    let body = ok(&response);
    assert_eq!(slugs(body), [early, late], "both are found");
    let early_snippet = body["articles"][0]["highlights"]["body"].as_str().unwrap();
    assert!(
        early_snippet.contains("<mark>Wyverns</mark>"),
        "{early_snippet}"
    );
    let late_snippet = body["articles"][1]["highlights"]["body"].as_str().unwrap();
    assert!(late_snippet.starts_with("Opening words"), "{late_snippet}");
    assert!(!late_snippet.contains("<mark>"), "{late_snippet}");
}

#[tokio::test]
async fn phrases_exclusions_alternatives_prefixes_tags_and_authors_match() {
    let app = spawn_app().await;
    let alice = app.register("alice").await;
    let bob = app.register("bob").await;
    publish(&app, &alice, "Red dragon fire", "Breathing.", &[]).await;
    publish(&app, &alice, "Dragon in red", "Colours.", &[]).await;
    publish(&app, &bob, "Ice dragon", "Frozen.", &["winter"]).await;
    publish(&app, &bob, "Summer fruit", "Peaches.", &[]).await;

    let cases: [(&str, &[&str]); 8] = [
        ("\"red dragon\"", &["Red dragon fire"]),
        ("dragon -ice", &["Dragon in red", "Red dragon fire"]),
        ("peaches or frozen", &["Ice dragon", "Summer fruit"]),
        ("drag", &["Dragon in red", "Ice dragon", "Red dragon fire"]),
        ("ice dra", &["Ice dragon"]),
        // Tag names and usernames are part of what is searched.
        ("winter", &["Ice dragon"]),
        ("bob", &["Ice dragon", "Summer fruit"]),
        ("nothing-like-this", &[]),
    ];
    for (q, expected) in cases {
        let response = search(&app, &[("q", q), ("sort", "recent")]).await;
        let mut found = titles(ok(&response));
        found.sort();
        assert_eq!(found, expected, "q={q}");
    }
}

#[tokio::test]
async fn hostile_text_never_fails_the_server() {
    let app = spawn_app().await;
    let alice = app.register("alice").await;
    publish(
        &app,
        &alice,
        "C++ & Rust: (a) story",
        "Back\\slash \"quoted\" 'single'",
        &["x"],
    )
    .await;
    let long = format!("{}ü", "a".repeat(255));
    for q in [
        "\"unbalanced",
        "\"\"\"",
        "&|!:*()",
        "a:* & !b | (c",
        "\\",
        "\\\\\\'",
        "' OR 1=1 --",
        "-",
        "- - -",
        "or",
        "or or",
        "!",
        "<->",
        "a <-> b",
        "日本語の検索",
        "emoji 🐉 dragons",
        "٣٤٥ ²",
        "ǅungla Ⅻ",
        "x\u{0}y",
        "\u{7}\u{1b}",
        "%",
        "c++ rust",
        &long,
    ] {
        for sort in ["relevance", "recent", "popular"] {
            let response = search(&app, &[("q", q), ("sort", sort)]).await;
            // Control characters separate words: nothing else left is no text, which
            // relevance cannot sort.
            let blank = q.chars().all(char::is_control) && sort == "relevance";
            let expected = if blank {
                StatusCode::UNPROCESSABLE_ENTITY
            } else {
                StatusCode::OK
            };
            assert_eq!(response.status, expected, "q={q:?}: {}", response.text);
        }
    }
}

// ---------------------------------------------------------------- refusals

#[tokio::test]
async fn bad_parameters_are_refused_naming_the_field() {
    let app = spawn_app().await;
    let too_long = "a".repeat(257);
    let cases: [(&[(&str, &str)], &str); 12] = [
        (&[("sort", "best")], "sort"),
        (&[("sort", "relevance")], "sort"),
        (&[("since", "yesterday")], "since"),
        (&[("until", "2026-02-30")], "until"),
        (&[("since", "2026-05-01"), ("until", "2026-04-01")], "until"),
        (&[("limit", "0")], "limit"),
        (&[("limit", "500")], "limit"),
        (&[("limit", "many")], "limit"),
        (&[("cursor", "not-a-cursor")], "cursor"),
        (&[("q", &too_long)], "q"),
        (&[("minFavorites", "-3")], "minFavorites"),
        (&[("tag", "")], "tag"),
    ];
    for (params, field) in cases {
        let response = search(&app, params).await;
        let problem = response.assert_problem(422, "validation_failed");
        assert!(
            problem["errors"][field].is_array(),
            "{params:?}: {}",
            response.text
        );
        assert_eq!(
            problem["errors"].as_object().unwrap().len(),
            1,
            "{params:?}: {}",
            response.text
        );
    }
    // 256 characters is still fine, and so is an empty text (no text filter).
    ok(&search(&app, &[("q", &"a".repeat(256))]).await);
    let response = search(&app, &[("q", "")]).await;
    assert_eq!(ok(&response)["query"]["q"], Value::Null);

    // A cursor of one sort is no cursor of another.
    let alice = app.register("alice").await;
    for n in 0..3 {
        publish(&app, &alice, &format!("Entry {n}"), "text", &[]).await;
    }
    let response = search(&app, &[("limit", "1")]).await;
    let cursor = ok(&response)["nextCursor"].as_str().unwrap().to_owned();
    let response = search(
        &app,
        &[("limit", "1"), ("sort", "popular"), ("cursor", &cursor)],
    )
    .await;
    response.assert_problem(422, "validation_failed");
    let flipped = if cursor.as_bytes()[10] == b'x' {
        "y"
    } else {
        "x"
    };
    let edited = format!("{}{flipped}{}", &cursor[..10], &cursor[11..]);
    let response = search(&app, &[("limit", "1"), ("cursor", &edited)]).await;
    response.assert_problem(422, "validation_failed");
}

// ---------------------------------------------------------------- filters and facets

/// One seeded article as the brute-force model sees it.
#[derive(Debug, Clone)]
struct Seeded {
    slug: String,
    author: &'static str,
    tags: Vec<&'static str>,
    month: &'static str,
    favorites: usize,
    dragon: bool,
}

impl Seeded {
    fn passes(&self, filter: &Filter, except: Option<&str>) -> bool {
        (!filter.dragon || self.dragon)
            && self.favorites >= filter.min_favorites
            && (except == Some("tags")
                || filter.tags.is_empty()
                || self.tags.iter().any(|t| filter.tags.contains(t)))
            && (except == Some("authors")
                || filter.authors.is_empty()
                || filter.authors.contains(&self.author))
            && (except == Some("published")
                || filter.months.is_empty()
                || filter.months.contains(&self.month))
    }
}

#[derive(Debug, Default)]
struct Filter {
    dragon: bool,
    tags: Vec<&'static str>,
    authors: Vec<&'static str>,
    /// Whole months, as since/until of their first and last day.
    months: Vec<&'static str>,
    min_favorites: usize,
}

impl Filter {
    fn params(&self) -> Vec<(&'static str, String)> {
        let mut params = vec![];
        if self.dragon {
            params.push(("q", "dragon".to_owned()));
        }
        for tag in &self.tags {
            params.push(("tag", (*tag).to_owned()));
        }
        for author in &self.authors {
            params.push(("author", (*author).to_owned()));
        }
        if let (Some(first), Some(last)) = (self.months.iter().min(), self.months.iter().max()) {
            params.push(("since", format!("{first}-01")));
            params.push(("until", format!("{last}-28")));
        }
        if self.min_favorites > 0 {
            params.push(("minFavorites", self.min_favorites.to_string()));
        }
        params
    }
}

/// Counts per value of the articles passing every filter but the facet's own, top
/// 20 by count then value: what the facet must say.
fn expected_facet(
    corpus: &[Seeded],
    filter: &Filter,
    facet: &str,
    values: impl Fn(&Seeded) -> Vec<String>,
) -> Vec<(String, u64)> {
    let mut counts: BTreeMap<String, u64> = BTreeMap::new();
    for article in corpus.iter().filter(|a| a.passes(filter, Some(facet))) {
        for value in values(article) {
            *counts.entry(value).or_default() += 1;
        }
    }
    let mut counts: Vec<(String, u64)> = counts.into_iter().collect();
    counts.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    counts.truncate(20);
    counts
}

fn facet(body: &Value, name: &str) -> Vec<(String, u64)> {
    body["facets"][name]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["value"].as_str().unwrap().to_owned(),
                f["count"].as_u64().unwrap(),
            )
        })
        .collect()
}

#[tokio::test]
async fn filters_compose_and_facets_are_disjunctive_counts() {
    let app = spawn_app().await;
    let authors = ["amy", "ben", "cal"];
    let mut tokens = HashMap::new();
    for author in authors {
        tokens.insert(author, app.register(author).await);
    }
    let fans: Vec<String> = fans(&app).await;
    let tag_sets: [&[&str]; 5] = [&["rust"], &["go"], &["rust", "go"], &["web"], &[]];
    let months = ["2026-01", "2026-02", "2026-03"];
    let db = app.database().await;
    let mut corpus = Vec::new();
    for n in 0..24_usize {
        let author = authors[n % 3];
        let tags = tag_sets[n % 5].to_vec();
        let month = months[(n / 3) % 3];
        let dragon = n % 2 == 0;
        let body = if dragon {
            "a dragon story"
        } else {
            "a quiet story"
        };
        let slug = publish(&app, &tokens[author], &format!("Entry {n}"), body, &tags).await;
        let favorites = n % 4;
        for fan in fans.iter().take(favorites) {
            favorite(&app, fan, &slug).await;
        }
        let day = format!("{month}-{:02}T12:00:00Z", 1 + n % 20);
        db.execute(
            "UPDATE articles SET created_at = $1::text::timestamptz WHERE slug = $2",
            &[&day, &slug],
        )
        .await
        .unwrap();
        corpus.push(Seeded {
            slug,
            author,
            tags,
            month,
            favorites,
            dragon,
        });
    }

    let filters = [
        Filter::default(),
        Filter {
            dragon: true,
            ..Filter::default()
        },
        Filter {
            tags: vec!["rust"],
            ..Filter::default()
        },
        Filter {
            tags: vec!["rust", "web"],
            authors: vec!["amy"],
            ..Filter::default()
        },
        Filter {
            dragon: true,
            tags: vec!["go"],
            authors: vec!["ben", "cal"],
            ..Filter::default()
        },
        Filter {
            months: vec!["2026-02"],
            min_favorites: 2,
            ..Filter::default()
        },
        Filter {
            dragon: true,
            tags: vec!["rust"],
            authors: vec!["amy", "cal"],
            months: vec!["2026-01", "2026-02"],
            min_favorites: 1,
        },
    ];
    for filter in &filters {
        let params = filter.params();
        let mut pairs: Vec<(&str, &str)> = params.iter().map(|(n, v)| (*n, v.as_str())).collect();
        pairs.push(("limit", "100"));
        pairs.push(("sort", "recent"));
        let response = search(&app, &pairs).await;
        let body = ok(&response);
        let expected: BTreeSet<String> = corpus
            .iter()
            .filter(|a| a.passes(filter, None))
            .map(|a| a.slug.clone())
            .collect();
        let found: BTreeSet<String> = slugs(body).into_iter().collect();
        assert_eq!(found, expected, "{filter:?}");
        assert_eq!(body["articlesCount"], expected.len(), "{filter:?}");
        let tags = |a: &Seeded| a.tags.iter().map(|t| (*t).to_owned()).collect();
        let author = |a: &Seeded| vec![a.author.to_owned()];
        let month = |a: &Seeded| vec![a.month.to_owned()];
        assert_eq!(
            facet(body, "tags"),
            expected_facet(&corpus, filter, "tags", tags),
            "{filter:?}"
        );
        assert_eq!(
            facet(body, "authors"),
            expected_facet(&corpus, filter, "authors", author),
            "{filter:?}"
        );
        assert_eq!(
            facet(body, "published"),
            expected_facet(&corpus, filter, "published", month),
            "{filter:?}"
        );
    }

    // Selecting one tag still shows what the others would add.
    let response = search(&app, &[("tag", "rust")]).await;
    let go = facet(ok(&response), "tags")
        .into_iter()
        .find(|(v, _)| v == "go");
    assert!(go.is_some_and(|(_, count)| count > 0));

    // favoritedBy narrows to that fan's favorites, and popular puts the most favorited first.
    let response = search(&app, &[("favoritedBy", "fan_2"), ("limit", "100")]).await;
    let expected: BTreeSet<String> = corpus
        .iter()
        .filter(|a| a.favorites >= 3)
        .map(|a| a.slug.clone())
        .collect();
    assert_eq!(
        slugs(ok(&response)).into_iter().collect::<BTreeSet<_>>(),
        expected
    );
    let response = search(&app, &[("sort", "popular"), ("limit", "100")]).await;
    let counts: Vec<u64> = ok(&response)["articles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["favoritesCount"].as_u64().unwrap())
        .collect();
    assert!(counts.windows(2).all(|w| w[0] >= w[1]), "{counts:?}");
    assert_eq!(counts.len(), 24);
}

/// The page and the counts run side by side on two connections when a second one is
/// idle; with none, they share the first, and the answer is the same.
#[tokio::test]
async fn a_search_on_a_one_connection_pool_answers_the_page_and_the_counts() {
    let app = spawn_app_with(&[("FOLIO_DB_POOL_SIZE", "1")]).await;
    let alice = app.register("alice").await;
    publish(&app, &alice, "Dragon eggs", "A story.", &["myth"]).await;
    publish(&app, &alice, "Dragon fire", "A story.", &["myth", "fire"]).await;
    publish(&app, &alice, "Quiet garden", "A story.", &["garden"]).await;

    let response = search(&app, &[("q", "dragon"), ("tag", "fire")]).await;
    let body = ok(&response);
    assert_eq!(titles(body), ["Dragon fire"]);
    assert_eq!(body["articlesCount"], 1);
    assert_eq!(
        facet(body, "tags"),
        [("myth".to_owned(), 2), ("fire".to_owned(), 1)]
    );
    assert_eq!(facet(body, "authors"), [("alice".to_owned(), 1)]);
}

/// Three readers who favorite articles.
async fn fans(app: &TestApp) -> Vec<String> {
    let mut fans = Vec::new();
    for n in 0..3 {
        fans.push(app.register(&format!("fan_{n}")).await);
    }
    fans
}

// ---------------------------------------------------------------- pages

#[tokio::test]
async fn cursor_pages_return_every_result_once_while_articles_are_published() {
    let app = spawn_app().await;
    let alice = app.register("alice").await;
    let bob = app.register("bob").await;
    let mut originals = BTreeSet::new();
    for n in 0..23 {
        // Varying how often the word occurs varies the rank.
        let body = "lantern ".repeat(1 + n % 4);
        let slug = publish(&app, &alice, &format!("Story {n}"), &body, &[]).await;
        if n % 3 == 0 {
            favorite(&app, &bob, &slug).await;
        }
        originals.insert(slug);
    }
    for sort in ["relevance", "recent", "popular"] {
        let mut seen: Vec<String> = Vec::new();
        let mut cursor: Option<String> = None;
        let mut pages = 0;
        loop {
            let mut params = vec![("q", "lantern"), ("sort", sort), ("limit", "5")];
            if let Some(cursor) = &cursor {
                params.push(("cursor", cursor));
            }
            let response = search(&app, &params).await;
            let body = ok(&response);
            seen.extend(slugs(body));
            pages += 1;
            // New matches arrive between pages.
            publish(
                &app,
                &alice,
                &format!("Late {sort} {pages}"),
                "lantern lantern",
                &[],
            )
            .await;
            match body["nextCursor"].as_str() {
                Some(next) => cursor = Some(next.to_owned()),
                None => break,
            }
            assert!(pages < 20, "pagination does not end");
        }
        let unique: BTreeSet<String> = seen.iter().cloned().collect();
        assert_eq!(
            unique.len(),
            seen.len(),
            "{sort}: a result came twice: {seen:?}"
        );
        assert!(originals.is_subset(&unique), "{sort}: a result was skipped");
    }
}

// ---------------------------------------------------------------- suggestions

#[tokio::test]
async fn a_one_letter_typo_gets_a_suggestion() {
    let app = spawn_app().await;
    let alice = app.register("alice").await;
    publish(
        &app,
        &alice,
        "How to train your dragons",
        "Patience.",
        &["fantasy"],
    )
    .await;
    publish(&app, &alice, "Gardening basics", "Soil.", &["gardening"]).await;

    let response = search(&app, &[("q", "dragns")]).await;
    let body = ok(&response);
    assert_eq!(body["articlesCount"], 0);
    assert_eq!(body["suggestion"], "dragons");
    let response = search(&app, &[("q", "train dragns -soil")]).await;
    assert_eq!(ok(&response)["suggestion"], "train dragons -soil");
    let response = search(&app, &[("q", "fantsy")]).await;
    assert_eq!(ok(&response)["suggestion"], "fantasy");

    // The suggestion finds what the typo did not.
    let response = search(&app, &[("q", "dragons")]).await;
    assert_eq!(ok(&response)["articlesCount"], 1);
    // Correct words get none, and neither do words nothing resembles.
    assert_eq!(ok(&response)["suggestion"], Value::Null);
    let response = search(&app, &[("q", "xylophone")]).await;
    assert_eq!(ok(&response)["suggestion"], Value::Null);
}

// ---------------------------------------------------------------- the RealWorld list

#[tokio::test]
async fn the_article_list_filters_by_text_only_when_asked() {
    let app = spawn_app().await;
    let alice = app.register("alice").await;
    publish(&app, &alice, "Dragons", "Fire.", &["myth"]).await;
    publish(&app, &alice, "Lizards", "Dragon-like.", &["myth"]).await;
    publish(&app, &alice, "Tea", "Leaves.", &[]).await;

    let all = app.get("/articles", None).await;
    assert_eq!(ok(&all)["articlesCount"], 3);
    let blank = app.get("/articles?q=", None).await;
    assert_eq!(ok(&blank)["articlesCount"], 3);
    assert_eq!(titles(&blank.body), titles(&all.body));

    let response = app.get("/articles?q=dragon", None).await;
    let body = ok(&response);
    assert_eq!(titles(body), ["Dragons", "Lizards"]);
    assert_eq!(body["articlesCount"], 2);
    let keys: Vec<&String> = body.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["articles", "articlesCount"]);
    let response = app
        .get("/articles?q=dragon&tag=myth&limit=1&offset=1", None)
        .await;
    let body = ok(&response);
    assert_eq!(titles(body), ["Lizards"]);
    assert_eq!(body["articlesCount"], 2);
    let response = app
        .get(&format!("/articles?q={}", "a".repeat(257)), None)
        .await;
    response.assert_problem(422, "validation_failed");
}

// ---------------------------------------------------------------- the document

#[tokio::test]
async fn a_renamed_author_is_found_by_the_new_name() {
    let app = spawn_app().await;
    let token = app.register("oldname").await;
    publish(&app, &token, "Quiet title", "Quiet body.", &[]).await;
    let response = app
        .put(
            "/user",
            Some(&token),
            json!({"user": {"username": "newname"}}),
        )
        .await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.text);

    let response = search(&app, &[("q", "newname")]).await;
    assert_eq!(titles(ok(&response)), ["Quiet title"]);
    let response = search(&app, &[("q", "oldname")]).await;
    assert_eq!(ok(&response)["articlesCount"], 0);
    let response = search(&app, &[("q", "quiet"), ("author", "newname")]).await;
    assert_eq!(ok(&response)["facets"]["authors"][0]["value"], "newname");
}

#[tokio::test]
async fn the_search_language_is_set_per_deployment_with_simple_as_the_fallback() {
    for (language, stemmed) in [("english", true), ("no_such_language", false)] {
        let app = spawn_app_with(&[("FOLIO_SEARCH_LANGUAGE", language)]).await;
        let alice = app.register("alice").await;
        publish(&app, &alice, "Running dragons", "Fast.", &[]).await;
        // English stems "dragon" and "dragons" alike; `simple` keeps words as they are.
        let response = search(&app, &[("q", "dragon -xyz"), ("sort", "recent")]).await;
        let expected = u64::from(stemmed);
        assert_eq!(ok(&response)["articlesCount"], expected, "{language}");
        let response = search(&app, &[("q", "dragons -xyz")]).await;
        assert_eq!(ok(&response)["articlesCount"], 1, "{language}");
        let language_in_use: String = app
            .database()
            .await
            .query_one("SELECT language::text FROM search_settings", &[])
            .await
            .unwrap()
            .get(0);
        assert_eq!(language_in_use, if stemmed { "english" } else { "simple" });
    }
}

// ---------------------------------------------------------------- cache

#[tokio::test]
async fn repeated_searches_are_served_from_the_cache_until_articles_change() {
    let app = spawn_app().await;
    let alice = app.register("alice").await;
    let first = publish(&app, &alice, "Dragons", "Fire.", &["myth"]).await;
    // The event consumer bumps the lists version again after the writer did; a
    // cache hit is only certain once it has.
    cache_consumers_caught_up(&app).await;
    let params = [("q", "dragons"), ("tag", "myth")];

    let response = search(&app, &params).await;
    assert!(ok(&response)["articlesCount"] == 1 && response.query_count() > 0);
    let again = search(&app, &params).await;
    assert_eq!(again.query_count(), 0, "{}", again.text);
    assert_eq!(again.body, response.body);
    // A later page is read from the engine.
    let response = search(&app, &[("q", "dragons"), ("limit", "1")]).await;
    let cursor = ok(&response)["nextCursor"].clone();
    assert_eq!(cursor, Value::Null);

    // A new article, a favorite, a rename: each is seen by the next search.
    let second = publish(&app, &alice, "More dragons", "Smoke.", &["myth"]).await;
    let response = search(&app, &params).await;
    assert_eq!(ok(&response)["articlesCount"], 2);
    favorite(&app, &alice, &first).await;
    cache_consumers_caught_up(&app).await;
    let response = search(
        &app,
        &[("q", "dragons"), ("tag", "myth"), ("sort", "popular")],
    )
    .await;
    assert_eq!(slugs(ok(&response)), [first.clone(), second]);
    let response = search(
        &app,
        &[("q", "dragons"), ("tag", "myth"), ("sort", "popular")],
    )
    .await;
    assert_eq!(response.query_count(), 0);
    let renamed = app
        .put(
            "/user",
            Some(&alice),
            json!({"user": {"username": "alicia"}}),
        )
        .await;
    assert_eq!(renamed.status, StatusCode::OK, "{}", renamed.text);
    let response = search(
        &app,
        &[("q", "dragons"), ("tag", "myth"), ("sort", "popular")],
    )
    .await;
    assert_eq!(ok(&response)["articles"][0]["author"]["username"], "alicia");
    assert_eq!(ok(&response)["facets"]["authors"][0]["value"], "alicia");
}
