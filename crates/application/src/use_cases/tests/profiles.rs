//! Public profiles and follows.

use folio_domain::{DomainEvent, Profile, Username};

use crate::error::{AppError, Resource};
use crate::test_support::{
    MockPorts, actor_for, field_names, folio, invalid_fields, profile, unavailable,
};

/// `find_by_username` returns `profile` when asked for its username, exactly once.
fn finds_profile(ports: &mut MockPorts, profile: &Profile) {
    let wanted = profile.username.clone();
    let found = profile.clone();
    ports
        .profiles
        .expect_find_by_username()
        .withf(move |username: &Username| *username == wanted)
        .times(1)
        .returning(move |_| Ok(Some(found.clone())));
}

fn finds_no_profile(ports: &mut MockPorts) {
    ports
        .profiles
        .expect_find_by_username()
        .times(1)
        .returning(|_| Ok(None));
}

// ------------------------------------------------------------------ profile

#[tokio::test]
async fn profile_of_unknown_user_is_not_found() {
    let mut ports = MockPorts::new();
    finds_no_profile(&mut ports);
    ports.profiles.expect_is_following().never();
    let folio = folio(ports);

    let result = folio.profile(None, "ghost").await;

    assert!(
        matches!(result, Err(AppError::NotFound(Resource::Profile))),
        "{result:?}"
    );
}

#[tokio::test]
async fn profile_with_an_impossible_username_is_not_found_without_a_lookup() {
    let mut ports = MockPorts::new();
    ports.profiles.expect_find_by_username().never();
    let folio = folio(ports);

    let result = folio.profile(None, "not a/valid name").await;

    assert!(
        matches!(result, Err(AppError::NotFound(Resource::Profile))),
        "{result:?}"
    );
}

#[tokio::test]
async fn anonymous_viewer_is_not_following_and_no_follow_lookup_is_made() {
    let celeb = profile("celeb");
    let mut ports = MockPorts::new();
    finds_profile(&mut ports, &celeb);
    ports.profiles.expect_is_following().never();
    let folio = folio(ports);

    let view = folio.profile(None, "celeb").await.unwrap();

    assert_eq!(view.profile, celeb);
    assert!(!view.following);
}

#[tokio::test]
async fn signed_in_viewer_sees_whether_they_follow() {
    for follows in [true, false] {
        let celeb = profile("celeb");
        let fan = profile("fan");
        let (fan_id, celeb_id) = (fan.user_id, celeb.user_id);
        let mut ports = MockPorts::new();
        finds_profile(&mut ports, &celeb);
        ports
            .profiles
            .expect_is_following()
            .withf(move |follower, followee| *follower == fan_id && *followee == celeb_id)
            .times(1)
            .returning(move |_, _| Ok(follows));
        let folio = folio(ports);

        let view = folio.profile(Some(actor_for(&fan)), "celeb").await.unwrap();

        assert_eq!(view.following, follows);
        assert_eq!(view.profile, celeb);
    }
}

#[tokio::test]
async fn own_profile_is_not_followed_and_needs_no_follow_lookup() {
    let me = profile("me");
    let mut ports = MockPorts::new();
    finds_profile(&mut ports, &me);
    ports.profiles.expect_is_following().never();
    let folio = folio(ports);

    let view = folio.profile(Some(actor_for(&me)), "me").await.unwrap();

    assert!(!view.following);
}

#[tokio::test]
async fn profile_lookup_outage_is_unavailable() {
    let mut ports = MockPorts::new();
    ports
        .profiles
        .expect_find_by_username()
        .returning(|_| Err(unavailable()));
    let folio = folio(ports);

    let result = folio.profile(None, "celeb").await;

    assert!(
        matches!(result, Err(AppError::Unavailable(_))),
        "{result:?}"
    );
}

// ------------------------------------------------------------------- follow

#[tokio::test]
async fn follow_records_the_follow_and_reports_following() {
    let celeb = profile("celeb");
    let fan = profile("fan");
    let (fan_id, celeb_id) = (fan.user_id, celeb.user_id);
    let mut ports = MockPorts::new();
    finds_profile(&mut ports, &celeb);
    ports
        .profiles
        .expect_follow()
        .withf(move |follower, followee| *follower == fan_id && *followee == celeb_id)
        .times(1)
        .returning(|_, _| Ok(true));
    let folio = folio(ports);

    let view = folio.follow(actor_for(&fan), "celeb").await.unwrap();

    assert!(view.following);
    assert_eq!(view.profile, celeb);
    assert_eq!(
        folio.ports().transactions.events(),
        [DomainEvent::UserFollowed {
            follower: fan.user_id,
            followee: celeb.user_id,
            followee_name: celeb.username.clone(),
        }]
    );
}

#[tokio::test]
async fn following_twice_succeeds_twice() {
    // The repository's follow is idempotent; the use case must not turn a repeated
    // follow, which changes nothing, into an error (nor skip recording it).
    let celeb = profile("celeb");
    let fan = profile("fan");
    let mut ports = MockPorts::new();
    let found = celeb.clone();
    ports
        .profiles
        .expect_find_by_username()
        .times(2)
        .returning(move |_| Ok(Some(found.clone())));
    let mut first = true;
    ports
        .profiles
        .expect_follow()
        .times(2)
        .returning(move |_, _| Ok(std::mem::replace(&mut first, false)));
    let folio = folio(ports);

    let first = folio.follow(actor_for(&fan), "celeb").await.unwrap();
    let second = folio.follow(actor_for(&fan), "celeb").await.unwrap();

    assert!(first.following && second.following);
    let events = folio.ports().transactions.events();
    assert!(
        matches!(events.as_slice(), [DomainEvent::UserFollowed { .. }]),
        "only the follow that changed something is raised: {events:?}"
    );
}

#[tokio::test]
async fn following_yourself_is_invalid_and_records_nothing() {
    let me = profile("me");
    let mut ports = MockPorts::new();
    finds_profile(&mut ports, &me);
    ports.profiles.expect_follow().never();
    let folio = folio(ports);

    let errors = invalid_fields(folio.follow(actor_for(&me), "me").await);

    assert_eq!(field_names(&errors), ["username"]);
    assert_eq!(errors["username"], ["cannot follow yourself"]);
}

#[tokio::test]
async fn following_an_unknown_user_is_not_found() {
    let fan = profile("fan");
    let mut ports = MockPorts::new();
    finds_no_profile(&mut ports);
    ports.profiles.expect_follow().never();
    let folio = folio(ports);

    let result = folio.follow(actor_for(&fan), "ghost").await;

    assert!(
        matches!(result, Err(AppError::NotFound(Resource::Profile))),
        "{result:?}"
    );
}

#[tokio::test]
async fn follow_failure_is_reported() {
    let celeb = profile("celeb");
    let fan = profile("fan");
    let mut ports = MockPorts::new();
    finds_profile(&mut ports, &celeb);
    ports
        .profiles
        .expect_follow()
        .returning(|_, _| Err(unavailable()));
    let folio = folio(ports);

    let result = folio.follow(actor_for(&fan), "celeb").await;

    assert!(
        matches!(result, Err(AppError::Unavailable(_))),
        "{result:?}"
    );
}

// ----------------------------------------------------------------- unfollow

#[tokio::test]
async fn unfollow_removes_the_follow_and_reports_not_following() {
    let celeb = profile("celeb");
    let fan = profile("fan");
    let (fan_id, celeb_id) = (fan.user_id, celeb.user_id);
    let mut ports = MockPorts::new();
    finds_profile(&mut ports, &celeb);
    ports
        .profiles
        .expect_unfollow()
        .withf(move |follower, followee| *follower == fan_id && *followee == celeb_id)
        .times(1)
        .returning(|_, _| Ok(true));
    ports.profiles.expect_follow().never();
    let folio = folio(ports);

    let view = folio.unfollow(actor_for(&fan), "celeb").await.unwrap();

    assert!(!view.following);
    assert_eq!(view.profile, celeb);
    assert_eq!(
        folio.ports().transactions.events(),
        [DomainEvent::UserUnfollowed {
            follower: fan.user_id,
            followee: celeb.user_id,
            followee_name: celeb.username.clone(),
        }]
    );
}

#[tokio::test]
async fn unfollowing_someone_not_followed_is_not_an_error() {
    let celeb = profile("celeb");
    let fan = profile("fan");
    let mut ports = MockPorts::new();
    let found = celeb.clone();
    ports
        .profiles
        .expect_find_by_username()
        .times(2)
        .returning(move |_| Ok(Some(found.clone())));
    ports
        .profiles
        .expect_unfollow()
        .times(2)
        .returning(|_, _| Ok(false));
    let folio = folio(ports);

    let first = folio.unfollow(actor_for(&fan), "celeb").await.unwrap();
    let second = folio.unfollow(actor_for(&fan), "celeb").await.unwrap();

    assert!(!first.following && !second.following);
    assert!(folio.ports().transactions.events().is_empty());
}

#[tokio::test]
async fn unfollowing_an_unknown_user_is_not_found() {
    let fan = profile("fan");
    let mut ports = MockPorts::new();
    finds_no_profile(&mut ports);
    ports.profiles.expect_unfollow().never();
    let folio = folio(ports);

    let result = folio.unfollow(actor_for(&fan), "ghost").await;

    assert!(
        matches!(result, Err(AppError::NotFound(Resource::Profile))),
        "{result:?}"
    );
}
