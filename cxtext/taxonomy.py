"""The driver taxonomy: the four built-in drivers plus any custom topics a deployment adds.

A model stores the taxonomy it was trained with (`to_dict`/`from_dict`), so predictions and reports always
name the same drivers the model learned, even if the deployment's config changes later.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import asdict, dataclass, replace
from pathlib import Path

TAXONOMY_ENV = "CXTEXT_TAXONOMY"

_NAME = re.compile(r"[a-z][a-z0-9_]*")
_TOPIC_KEYS = frozenset({"name", "label_en", "label_fa", "description_en", "description_fa"})


class TaxonomyError(ValueError):
    """A taxonomy config or stored taxonomy that cannot be used (bad name, clash, malformed file)."""


@dataclass(frozen=True, slots=True)
class Driver:
    """One driver: a reason behind the customer's feeling (quality, price, ...) or a custom topic."""

    name: str
    label_en: str
    label_fa: str
    description_en: str = ""
    description_fa: str = ""
    custom: bool = False


_DEFAULT_DRIVERS: tuple[Driver, ...] = (
    Driver(
        name="quality",
        label_en="Quality",
        label_fa="کیفیت",
        description_en=(
            "Quality of the product or service itself: taste, freshness, condition, durability, "
            "reliability, and whether it works as promised."
        ),
        description_fa=(
            "کیفیت خود کالا یا خدمت: طعم، تازگی، سالم بودن، دوام، قابل‌اعتماد بودن "
            "و اینکه همان‌طور که وعده داده شده کار کند."
        ),
    ),
    Driver(
        name="price",
        label_en="Price",
        label_fa="قیمت",
        description_en=(
            "What the customer pays and what they get for it: price level, value for money, fees, "
            "extra charges, discounts and offers."
        ),
        description_fa=(
            "آنچه مشتری می‌پردازد و ارزشی که در برابرش می‌گیرد: سطح قیمت، ارزش خرید، کارمزد "
            "و هزینه‌های اضافی، تخفیف‌ها و پیشنهادهای ویژه."
        ),
    ),
    Driver(
        name="access",
        label_en="Access",
        label_fa="دسترسی",
        description_en=(
            "Getting the product or service when and where it is needed: availability and stock, "
            "delivery, waiting times and queues, opening hours, reaching the service by phone, app or "
            "website, booking."
        ),
        description_fa=(
            "دریافت کالا یا خدمت در زمان و جای لازم: موجود بودن کالا، ارسال و تحویل، زمان انتظار "
            "و صف، ساعت‌های کاری، دسترسی به خدمت از راه تلفن، اپلیکیشن یا وب‌سایت، رزرو و نوبت‌گیری."
        ),
    ),
    Driver(
        name="staff",
        label_en="Staff",
        label_fa="کارکنان",
        description_en=(
            "How the people who serve the customer behave: politeness, helpfulness and competence of "
            "staff, agents, couriers and support."
        ),
        description_fa=(
            "رفتار کسانی که به مشتری خدمت می‌دهند: ادب، همراهی و توانایی کارکنان، "
            "کارشناسان پشتیبانی، پیک‌ها و نمایندگان فروش."
        ),
    ),
)


@dataclass(frozen=True, slots=True)
class Taxonomy:
    """An ordered set of drivers; the order is the order drivers are written in data and reports."""

    drivers: tuple[Driver, ...]

    def __post_init__(self) -> None:
        seen: set[str] = set()
        for driver in self.drivers:
            _check_name(driver.name)
            if driver.name in seen:
                raise TaxonomyError(f"driver {driver.name!r} is defined twice")
            seen.add(driver.name)

    @classmethod
    def default(cls) -> Taxonomy:
        return cls(_DEFAULT_DRIVERS)

    @classmethod
    def from_file(cls, path: str | os.PathLike[str]) -> Taxonomy:
        """The defaults extended by the custom topics of a JSON config `{"topics": [{"name": ...}, ...]}`."""
        try:
            config = json.loads(Path(path).read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise TaxonomyError(f"{path}: taxonomy config not found") from None
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise TaxonomyError(f"{path}: cannot read taxonomy config: {exc}") from None
        topics = config.get("topics") if isinstance(config, dict) and set(config) == {"topics"} else None
        if not isinstance(topics, list):
            raise TaxonomyError(f'{path}: expected an object {{"topics": [...]}} and nothing else')
        try:
            return cls.default().with_topics(topics)
        except TaxonomyError as exc:
            raise TaxonomyError(f"{path}: {exc}") from None

    @classmethod
    def from_env(cls) -> Taxonomy:
        """The deployment's taxonomy: the config named by `CXTEXT_TAXONOMY`, else the defaults."""
        path = os.environ.get(TAXONOMY_ENV, "").strip()
        return cls.from_file(path) if path else cls.default()

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> Taxonomy:
        """Rebuild exactly the taxonomy `to_dict` stored (defaults included, as they were then)."""
        drivers = data.get("drivers")
        if not isinstance(drivers, list):
            raise TaxonomyError('stored taxonomy needs a "drivers" list')
        built = []
        for item in drivers:
            if not isinstance(item, dict) or set(item) != {*_TOPIC_KEYS, "custom"}:
                raise TaxonomyError(f"malformed stored driver: {item!r}")
            built.append(Driver(**item))
        return cls(tuple(built))

    def to_dict(self) -> dict[str, list[dict[str, object]]]:
        return {"drivers": [asdict(driver) for driver in self.drivers]}

    def with_topics(self, topics: Iterable[Driver | Mapping[str, object]]) -> Taxonomy:
        """This taxonomy plus custom topics (Drivers or config entries), appended in the given order."""
        added = tuple(topic if isinstance(topic, Driver) else _topic_from_config(topic) for topic in topics)
        for topic in added:
            if topic.name in self:
                raise TaxonomyError(f"topic {topic.name!r} clashes with an existing driver")
        return Taxonomy(self.drivers + tuple(_as_custom(topic) for topic in added))

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(driver.name for driver in self.drivers)

    def get(self, name: str) -> Driver | None:
        return next((driver for driver in self.drivers if driver.name == name), None)

    def __contains__(self, name: object) -> bool:
        return any(driver.name == name for driver in self.drivers)

    def __iter__(self) -> Iterator[Driver]:
        return iter(self.drivers)

    def __len__(self) -> int:
        return len(self.drivers)


def _check_name(name: object) -> None:
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise TaxonomyError(
            f"invalid driver name {name!r}: use lowercase letters, digits and '_', starting with a letter"
        )


def _topic_from_config(entry: Mapping[str, object]) -> Driver:
    """A custom topic from its config entry; only `name` is required, labels default to the name."""
    if not isinstance(entry, Mapping):
        raise TaxonomyError(f"each topic must be an object, got {entry!r}")
    unknown = sorted(set(entry) - _TOPIC_KEYS)
    if unknown:
        allowed = ", ".join(sorted(_TOPIC_KEYS))
        raise TaxonomyError(f"topic {entry.get('name')!r}: unknown keys {unknown} (allowed: {allowed})")
    if "name" not in entry:
        raise TaxonomyError(f"topic without a name: {dict(entry)!r}")
    name = entry["name"]
    _check_name(name)
    for key in _TOPIC_KEYS - {"name"}:
        if not isinstance(entry.get(key, ""), str):
            raise TaxonomyError(f"topic {name!r}: {key} must be a string")
    label_en = str(entry.get("label_en") or str(name).replace("_", " ").capitalize())
    return Driver(
        name=str(name),
        label_en=label_en,
        label_fa=str(entry.get("label_fa") or label_en),
        description_en=str(entry.get("description_en", "")),
        description_fa=str(entry.get("description_fa", "")),
        custom=True,
    )


def _as_custom(driver: Driver) -> Driver:
    return driver if driver.custom else replace(driver, custom=True)
