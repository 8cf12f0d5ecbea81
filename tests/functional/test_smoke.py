def test_home(client):
    r = client.get("/")
    assert r.status_code == 200
    assert "will they get back to you" in r.get_data(as_text=True).lower()


def test_signup_flow(auth, outbox, client):
    r = auth.sign_up()
    assert r.status_code == 200, r.get_data(as_text=True)
    assert len(outbox) == 1
