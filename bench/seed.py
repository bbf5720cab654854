#!/usr/bin/env python3
"""Seeds a Folio instance through its public API with a realistic dataset:
users, articles tagged from a fixed vocabulary, follows, favorites and comments.
Prints one JSON object with what the benchmark needs (tokens, a slug, a user, the long thread).
Only the standard library is used, so it runs on any machine with Python 3."""

import json
import random
import sys
import urllib.request
from concurrent.futures import ThreadPoolExecutor

API = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8181/api/v1"
USERS = 100
ARTICLES = 5000
TAGS = [f"tag{n}" for n in range(50)]
FOLLOWS_PER_USER = 10
FAVORITES = 10000
COMMENTS = 2000
# One thread far longer than the rest, of long comments: the costliest comment page.
THREAD_COMMENTS = 3000
THREAD_COMMENT_CHARS = 2000
PASSWORD = "bench-passphrase-42"

random.seed(7)


def call(method, path, body=None, token=None):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(API + path, data=data, method=method)
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Token {token}")
    with urllib.request.urlopen(request, timeout=30) as response:
        text = response.read()
        return json.loads(text) if text else None


def register(n):
    user = {"username": f"user{n}", "email": f"user{n}@bench.example", "password": PASSWORD}
    return call("POST", "/users", {"user": user})["user"]["token"]


def publish(args):
    n, token = args
    article = {
        "title": f"Benchmark article {n}",
        "description": f"What article {n} is about",
        "body": ("Lorem ipsum dolor sit amet, consectetur adipiscing elit. " * 20).strip(),
        "tagList": random.sample(TAGS, random.randint(1, 4)),
    }
    return call("POST", "/articles", {"article": article}, token)["article"]["slug"]


def main():
    with ThreadPoolExecutor(max_workers=8) as pool:
        tokens = list(pool.map(register, range(USERS)))
        jobs = [(n, tokens[n % USERS]) for n in range(ARTICLES)]
        slugs = list(pool.map(publish, jobs))
        follows = [
            (tokens[u], f"user{v}")
            for u in range(USERS)
            for v in random.sample([x for x in range(USERS) if x != u], FOLLOWS_PER_USER)
        ]
        list(pool.map(lambda f: call("POST", f"/profiles/{f[1]}/follow", {}, f[0]), follows))
        favorites = {(random.randrange(USERS), random.randrange(ARTICLES)) for _ in range(FAVORITES)}
        list(pool.map(lambda f: call("POST", f"/articles/{slugs[f[1]]}/favorite", {}, tokens[f[0]]), favorites))
        comments = [(random.randrange(USERS), random.randrange(ARTICLES), n) for n in range(COMMENTS)]
        list(pool.map(
            lambda c: call("POST", f"/articles/{slugs[c[1]]}/comments",
                           {"comment": {"body": f"Comment {c[2]}"}}, tokens[c[0]]),
            comments,
        ))
        thread = slugs[0]
        list(pool.map(
            lambda n: call("POST", f"/articles/{thread}/comments",
                           {"comment": {"body": f"Long comment {n}. " + "x" * THREAD_COMMENT_CHARS}},
                           tokens[n % USERS]),
            range(THREAD_COMMENTS),
        ))
    print(json.dumps({
        "token": tokens[0],
        "slug": slugs[len(slugs) // 2],
        "username": "user1",
        "tag": TAGS[7],
        "users": USERS,
        "articles": ARTICLES,
        "follows": len(follows),
        "favorites": len(favorites),
        "comments": COMMENTS,
        "thread": thread,
        "thread_comments": THREAD_COMMENTS,
    }))


if __name__ == "__main__":
    main()
