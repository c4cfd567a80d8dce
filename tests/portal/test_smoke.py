def test_home_page_renders_in_chinese(client, db):
    response = client.get("/")
    assert response.status_code == 200
    assert "一网通办" in response.content.decode()
