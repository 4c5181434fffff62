"""Request rates shared by every worker: Prefect global concurrency limits with slot decay.

One process spaces its own requests to a host (``HttpClient.min_interval``); N workers on a
work pool must share one rate per provider. Each provider (and each configured news host)
gets a limit of one slot that decays at the configured requests per second: a request takes
the slot (``prefect.concurrency.sync.rate_limit``) and the next one waits until it has
decayed, so in any second at most ``1 + rate`` requests leave, across all workers (SEC at
8/s stays under its 10/s). ``serve`` and ``deploy`` create them; a run without a Prefect
API, or against a server without them, keeps only its own spacing.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable
from urllib.parse import urlsplit

from newsdesk.config import Settings
from newsdesk.http import FetchError

PREFIX = "newsdesk-rate"
# A rate-limited request waits at most this long for its slot, then fails like a timeout.
SLOT_WAIT_SECONDS = 300.0

_known: dict[tuple[str, str], bool] = {}  # (API URL, limit name) -> exists, once per process
_unmakeable: set[tuple[str, str]] = set()  # host limits the API refused to create
_lock = threading.Lock()
log = logging.getLogger("newsdesk")


def host_of(url: str) -> str:
    """A URL's host and port as the landing keys name it (no user info), lower-cased."""
    return urlsplit(url).netloc.rpartition("@")[2].lower()


def news_limit(host: str) -> str:
    """The limit of one configured news host (``host`` as a URL's netloc)."""
    return f"{PREFIX}-news-{re.sub(r'[^a-z0-9.-]+', '-', host.lower()).strip('-')}"


def news_hosts(settings: Settings) -> list[str]:
    """The hosts of the configured news feeds and pages, sorted, each once."""
    urls = [*settings.news.feeds, *settings.news.pages]
    return sorted({host_of(url) for url in urls if host_of(url)})


def rate_limits(settings: Settings) -> dict[str, float]:
    """Every limit's name and its requests per second across all workers."""
    limits = settings.limits
    rates = {
        f"{PREFIX}-yahoo": limits.yahoo,
        f"{PREFIX}-sec": limits.sec,
        # Present: rates are on, and a host no config names gets its own limit on first use.
        f"{PREFIX}-news": limits.news_host,
    }
    rates.update({news_limit(host): limits.news_host for host in news_hosts(settings)})
    return rates


def ensure_limits(settings: Settings) -> dict[str, float]:
    """Create the rate limits on the API at PREFECT_API_URL, or set their decay to the
    configured rate; the limits as ``rate_limits`` gives them."""
    from prefect.client.orchestration import get_client

    rates = rate_limits(settings)
    with get_client(sync_client=True) as client:
        for name, per_second in rates.items():
            client.upsert_global_concurrency_limit_by_name(
                name, 1, slot_decay_per_second=per_second
            )
    with _lock:  # this process now knows they exist
        _known.clear()
    return rates


def throttle(settings: Settings, source: str) -> Callable[[str], None] | None:
    """The ``HttpClient`` throttle of a source (``market``, ``sec``, ``news``): it takes the
    source's rate-limit slot before each request. None without a Prefect API or a source
    without a limit; a URL whose limit the server lacks is not held up."""
    from prefect.settings import PREFECT_API_URL

    api = PREFECT_API_URL.value()
    if not api:
        return None
    if source == "market":
        names: Callable[[str], str] = lambda url: f"{PREFIX}-yahoo"  # noqa: E731
    elif source == "sec":
        names = lambda url: f"{PREFIX}-sec"  # noqa: E731
    elif source == "news":
        names = lambda url: news_limit(host_of(url))  # noqa: E731
    else:
        return None

    def take_slot(url: str) -> None:
        name = names(url)
        if not limit_exists(str(api), name) and not (
            source == "news" and _host_limit_made(str(api), name, settings.limits.news_host)
        ):
            return
        from prefect.concurrency.sync import rate_limit

        try:
            # Not strict: a limit deleted since it was found only stops holding requests back.
            rate_limit(name, occupy=1, timeout_seconds=SLOT_WAIT_SECONDS)
        except TimeoutError:
            raise FetchError(url, f"no {name} slot within {SLOT_WAIT_SECONDS:g} s", 0) from None

    return take_slot


def _host_limit_made(api: str, name: str, per_second: float) -> bool:
    """A news host no config names (a feed's article on another site) gets a limit of its
    own on first use, so each host keeps its own rate instead of all such hosts sharing one;
    only where the operator turned the rates on (``newsdesk-rate-news`` exists)."""
    with _lock:
        if (api, name) in _unmakeable:  # refused before: not asked again on every request
            return False
    if not limit_exists(api, f"{PREFIX}-news"):
        return False
    from prefect.client.orchestration import get_client

    try:
        with get_client(sync_client=True) as client:
            client.upsert_global_concurrency_limit_by_name(
                name, 1, slot_decay_per_second=per_second
            )
    except Exception as exc:  # the API refused: this host keeps the local spacing only
        log.warning("rate limit %s: cannot create it (%s); not shared this run", name, exc)
        with _lock:
            _unmakeable.add((api, name))
        return False
    with _lock:
        _known[(api, name)] = True
    return True


def limit_exists(api: str, name: str) -> bool:
    """Whether the API has an active limit ``name`` (asked once per process)."""
    with _lock:
        known = _known.get((api, name))
    if known is not None:
        return known
    from prefect.client.orchestration import get_client
    from prefect.exceptions import ObjectNotFound

    try:
        with get_client(sync_client=True) as client:
            found = client.read_global_concurrency_limit_by_name(name)
        exists = bool(found.active) and found.slot_decay_per_second > 0
    except ObjectNotFound:
        exists = False
    except Exception as exc:  # an API that does not answer: keep the local spacing only
        log.warning("rate limit %s: cannot ask %s (%s); not shared this run", name, api, exc)
        exists = False
    with _lock:
        _known[(api, name)] = exists
    return exists
