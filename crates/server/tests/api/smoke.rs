use serde_json::json;

use crate::support::spawn_app;

#[tokio::test]
async fn registered_users_can_publish_and_list() {
    let app = spawn_app().await;
    let token = app.register("jake").await;
    let slug = app.publish(&token, "Hello world", &["b", "a"]).await;
    assert_eq!(slug, "hello-world");
    let list = app.get("/articles", None).await;
    assert_eq!(list.status, 200);
    assert_eq!(list.body["articlesCount"], 1);
    assert_eq!(list.body["articles"][0]["tagList"], json!(["a", "b"]));
}
