from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client

from conftest import AT, PASSWORD, make_user, register_pending
from zhengcai.accounts.errors import AccountError
from zhengcai.accounts.models import ApiToken, User
from zhengcai.accounts.services import api_token_authenticate, api_token_issue, api_token_revoke, membership_create
from zhengcai.core.errors import ServiceError
from zhengcai.core.permissions import ROLE_PERMISSIONS, P, Role

pytestmark = pytest.mark.django_db


def test_every_role_has_a_permission_set_and_organization_kinds() -> None:
    assert set(ROLE_PERMISSIONS) == set(Role)
    assert all(P.BACKOFFICE in perms for perms in ROLE_PERMISSIONS.values())
    # the auditor is read-only: no permission that changes anything
    assert not ROLE_PERMISSIONS[Role.AUDITOR] & {P.SUPPLIER_REVIEW, P.TOKENS_MANAGE}


def test_a_role_cannot_be_held_in_the_wrong_kind_of_organization(heze: dict[str, Any]) -> None:
    user = make_user(Role.SUPPLIER_STAFF, heze["supplier"])
    with pytest.raises(ServiceError) as exc:
        membership_create(user=user, organization=heze["supplier"], role=Role.BUREAU_ADMIN, actor="t", at=AT)
    assert exc.value.code == AccountError.ROLE_NOT_FOR_KIND
    assert exc.value.field == "role"


class TestApiTokens:
    @pytest.fixture
    def bank_user(self, role_users: dict[Role, User]) -> User:
        return role_users[Role.BANK_OFFICER]

    def _issue(self, heze: dict[str, Any], user: User, days: int = 30) -> Any:
        return api_token_issue(
            organization=heze["bank"],
            user=user,
            name="信贷系统",
            expires_at=AT + dt.timedelta(days=days),
            actor=user,
            at=AT,
        )

    def test_only_the_hash_is_stored_and_bearer_auth_works(self, heze: dict[str, Any], bank_user: User) -> None:
        issued = self._issue(heze, bank_user, days=3650)  # the API checks expiry against the real clock
        secret = issued.plaintext.split("_", 2)[2]
        assert secret not in issued.token.secret_hash
        assert not ApiToken.objects.filter(secret_hash__contains=secret).exists()
        response = Client().get("/api/v1/me", headers={"authorization": f"Bearer {issued.plaintext}"})
        assert response.status_code == 200
        body = response.json()
        assert body["username"] == bank_user.username
        assert body["memberships"][0]["role"] == "bank_officer"
        assert body["memberships"][0]["scope"] == "organization"
        response = Client().get("/api/v1/me", headers={"x-api-token": issued.plaintext})
        assert response.status_code == 200

    def test_revoked_expired_and_wrong_tokens_are_refused(self, heze: dict[str, Any], bank_user: User) -> None:
        issued = self._issue(heze, bank_user)
        authenticated = api_token_authenticate(plaintext=issued.plaintext, at=AT)
        assert authenticated is not None
        assert authenticated.user == bank_user
        assert api_token_authenticate(plaintext=issued.plaintext + "x", at=AT) is None
        assert api_token_authenticate(plaintext=issued.plaintext, at=AT + dt.timedelta(days=31)) is None
        api_token_revoke(token=issued.token, actor=bank_user, at=AT)
        assert api_token_authenticate(plaintext=issued.plaintext, at=AT) is None
        response = Client().get("/api/v1/me", headers={"authorization": f"Bearer {issued.plaintext}"})
        assert response.status_code == 401
        assert set(response.json()) >= {"code", "message_zh", "message_en"}
        with pytest.raises(ServiceError):
            api_token_revoke(token=issued.token, actor=bank_user, at=AT)

    def test_an_officer_cannot_issue_for_another_institution(
        self, heze: dict[str, Any], role_users: dict[Role, User]
    ) -> None:
        from django.core.exceptions import PermissionDenied

        with pytest.raises(PermissionDenied):
            api_token_issue(
                organization=heze["bank"],
                user=role_users[Role.GUARANTOR_OFFICER],
                name="x",
                expires_at=None,
                actor=role_users[Role.GUARANTOR_OFFICER],
                at=AT,
            )

    def test_token_page_shows_the_secret_once(self, heze: dict[str, Any], bank_user: User) -> None:
        client = Client()
        client.force_login(bank_user)
        response = client.post(
            "/office/tokens/", {"name": "对账系统", "organization": heze["bank"].pk, "days_valid": 90}
        )
        assert response.status_code == 200
        token = ApiToken.objects.get(name="对账系统")
        assert f"zc_{token.prefix}_" in response.content.decode()
        assert f"zc_{token.prefix}_" not in client.get("/office/tokens/").content.decode()


class TestLogin:
    def test_login_with_argon2_password(self, settings: Any, heze: dict[str, Any]) -> None:
        settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]
        user = make_user(Role.PURCHASER_STAFF, heze["budget_unit"], username="argon")
        assert user.password.startswith("argon2")
        response = Client().post("/office/login/", {"username": "argon", "password": PASSWORD})
        assert response.status_code == 302
        assert response["Location"] == "/office/"

    def test_repeated_failures_lock_the_account_even_for_the_right_password(
        self, role_users: dict[Role, User]
    ) -> None:
        client = Client()
        for _ in range(5):
            response = client.post("/office/login/", {"username": "purchaser_staff", "password": "wrong-password"})
            assert response.status_code in {200, 429}
        response = client.post("/office/login/", {"username": "purchaser_staff", "password": PASSWORD})
        assert response.status_code == 429
        assert "15" in response.content.decode()

    def test_wrong_password_error_in_the_chosen_language(self, role_users: dict[Role, User]) -> None:
        response = Client().post("/office/login/", {"username": "purchaser_staff", "password": "nope-nope-nope"})
        assert "用户名或密码错误" in response.content.decode()
        client = Client(headers={"accept-language": "en"})
        client.cookies["django_language"] = "en"
        response = client.post("/office/login/", {"username": "purchaser_staff", "password": "nope-nope-nope"})
        assert "User name or password is wrong" in response.content.decode()

    def test_user_without_membership_sees_guidance_not_a_blank_page(self, db: Any) -> None:
        user = User.objects.create_user("lonely", password=PASSWORD)
        client = Client()
        client.force_login(user)
        response = client.get("/office/")
        assert response.status_code == 403
        assert "role" in response.content.decode().lower() or "角色" in response.content.decode()


def test_back_office_home_lists_real_queues(role_users: dict[Role, User], heze: dict[str, Any]) -> None:
    client = Client()
    client.force_login(role_users[Role.BUREAU_REVIEWER])
    text = client.get("/office/").content.decode()
    assert "q-suppliers" in text
    client.force_login(role_users[Role.SUPPLIER_STAFF])
    text = client.get("/office/").content.decode()
    assert "reg-status" in text
    assert "q-suppliers" not in text


def test_token_clients_write_without_csrf_but_browser_sessions_need_it(
    heze: dict[str, Any], role_users: dict[Role, User]
) -> None:
    """A bank's system posts with its token; a browser session without the CSRF token is refused."""
    reviewer = role_users[Role.BUREAU_REVIEWER]
    admin = role_users[Role.BUREAU_ADMIN]
    pending = register_pending(heze["city"], "东明县诚信商贸有限公司", "chengxin", division="371728")
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(reviewer)
    refused = browser.post(f"/api/v1/suppliers/{pending.pk}/approve", {}, content_type="application/json")
    assert refused.status_code == 403
    assert refused.json()["code"] == "core.csrf"
    issued = api_token_issue(
        organization=heze["bank"], user=role_users[Role.BANK_OFFICER], name="t", expires_at=None, actor=admin, at=AT
    )
    machine = Client(enforce_csrf_checks=True)
    me = machine.get("/api/v1/me", headers={"authorization": f"Bearer {issued.plaintext}"}).json()
    assert [m["organization_id"] for m in me["memberships"]] == [heze["bank"].pk]
    # a token acts only within its organization: the bank officer's token cannot review suppliers
    response = machine.post(
        f"/api/v1/suppliers/{pending.pk}/approve",
        {},
        content_type="application/json",
        headers={"authorization": f"Bearer {issued.plaintext}"},
    )
    assert response.status_code == 403
    reviewer_token = api_token_issue(
        organization=heze["city_dept"], user=reviewer, name="审核脚本", expires_at=None, actor=admin, at=AT
    )
    response = machine.post(
        f"/api/v1/suppliers/{pending.pk}/approve",
        {"note": "资料齐全"},
        content_type="application/json",
        headers={"x-api-token": reviewer_token.plaintext},
    )
    assert response.status_code == 200
    assert response.json()["status"] == "active"
