"""Pure: the login page's words in zh-CN and en (the page stands alone: it is shown before anyone is known)."""
from __future__ import annotations

from access.policy import pick_language
from access.principal import LANGUAGES

TEXT: dict[str, dict[str, str]] = {
    "zh-CN": {
        "title": "alertdesk 登录",
        "heading": "登录服务台",
        "username": "用户名",
        "password": "密码",
        "submit": "登录",
        "failed": "用户名或密码错误，或账号已停用。",
        "throttled": "登录失败次数过多，请 {minutes} 分钟后再试。",
        "hint": "首次启动时，管理员密码会在 alertdesk up 的启动信息中打印一次。",
        "other": "English",
    },
    "en": {
        "title": "alertdesk sign in",
        "heading": "Sign in to the service desk",
        "username": "Username",
        "password": "Password",
        "submit": "Sign in",
        "failed": "Wrong username or password, or the account is disabled.",
        "throttled": "Too many failed sign-ins: try again in {minutes} min.",
        "hint": "On the first start, `alertdesk up` prints the admin password once in its banner.",
        "other": "中文",
    },
}


def login_language(asked: str | None, lang_cookie: str | None, accept_language: str) -> str:
    """The page's language: the switcher's `?lang=`, the desk's `lang` cookie, else the browser's choice."""
    for choice in (asked, lang_cookie):
        if choice in LANGUAGES:
            return choice
    return pick_language(accept_language)


def other_language(language: str) -> str:
    """The language the page's switcher offers."""
    return "en" if language == "zh-CN" else "zh-CN"
