"""Life events (个人) and business events (法人) that group items, read from ``data/topics.yaml``."""

from pathlib import Path
from typing import Any

from catalog.demo import datafiles
from catalog.models import Topic

_TOPICS = datafiles.record(
    {
        "topics": datafiles.Required(
            datafiles.list_of(
                datafiles.record(
                    {
                        "code": datafiles.Required(datafiles.text),
                        "name": datafiles.Required(datafiles.text),
                        "audience": datafiles.Required(datafiles.choice(Topic.Audience)),
                        "keywords": datafiles.text,
                    }
                )
            )
        )
    }
)


def read_topics(path: Path | str = "topics.yaml") -> tuple[list[tuple[str, str, str]], dict[str, str]]:
    """The topics as (code, name, audience) in the order shown, and the words people use for each."""

    def read(data: Any, at: datafiles.At) -> tuple[list[tuple[str, str, str]], dict[str, str]]:
        topics = _TOPICS(data, at)["topics"]
        datafiles.unique([t["code"] for t in topics], "主题代码", at / "topics")
        keywords = {t["code"]: t["keywords"] for t in topics if t.get("keywords")}
        return [(t["code"], t["name"], t["audience"]) for t in topics], keywords

    return datafiles.read_file(path, read)


TOPICS, KEYWORDS = read_topics()
