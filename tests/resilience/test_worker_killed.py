"""A worker killed mid-job (SIGKILL): the job runs again on another worker and its effect happens once.

Real processes: ``shortbreaks worker`` against our own redis-server, an SMTP server in the test that
takes the connection and stalls on DATA until the worker is dead.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from redis.asyncio import Redis
from starlette.applications import Starlette

from shortbreaks import mail
from shortbreaks.models import OutboxMessage, OutboxStatus
from shortbreaks.settings import Settings
from tests.resilience.conftest import Inbox, OwnRedis
from tests.waiting import wait_until

JOB_TIMEOUT_S = 3  # a killed worker's job runs again after this + 10 s (arq's in-progress key)


@pytest.fixture
def settings(settings: Settings, own_redis: OwnRedis, smtp_server: tuple[Inbox, str]) -> Settings:
    return settings.model_copy(update={"redis_url": own_redis.url, "smtp_url": smtp_server[1]})


def nice_of(pid: int) -> int:
    """The process's nice value: field 19 of /proc/<pid>/stat (fields after the name's closing parenthesis start at 3)."""
    with open(f"/proc/{pid}/stat") as stat:
        return int(stat.read().rsplit(")", 1)[1].split()[16])


def start_worker(settings: Settings, log_file: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "SHORTBREAKS_ENV": "test",
        "DATABASE_URL": settings.database_url,
        "REDIS_URL": settings.redis_url or "",
        "SMTP_URL": settings.smtp_url or "",
        "SECRET_KEY": settings.secret_key.get_secret_value(),
        "SHORTBREAKS_VAR_DIR": str(settings.var_dir),
        "SHORTBREAKS_JOB_TIMEOUT_S": str(JOB_TIMEOUT_S),
    }
    command = [str(Path(sys.executable).with_name("shortbreaks")), "worker"]
    with log_file.open("ab") as out:
        return subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)


async def delivery_jobs_left(redis_url: str) -> list[str]:
    """The ids of email delivery jobs waiting or running (arq's queue and in-progress keys); the
    worker's own periodic jobs (holds, offers, cron) come and go and are not counted."""
    redis = Redis.from_url(redis_url)
    try:
        waiting = [member.decode() for member in await redis.zrange("arq:queue", 0, -1)]
        running = [key.decode().removeprefix("arq:in-progress:") for key in await redis.keys("arq:in-progress:*")]
    finally:
        await redis.aclose()
    return [job_id for job_id in waiting + running if job_id.startswith(("deliver-new-email:", "deliver-email:"))]


async def _no_delivery_jobs_left(redis_url: str) -> bool:
    return await delivery_jobs_left(redis_url) == []


async def test_a_worker_killed_mid_send_leaves_the_email_to_the_next_worker_which_sends_it_once(
    app: Starlette, settings: Settings, smtp_server: tuple[Inbox, str], own_redis: OwnRedis, tmp_path: Path
) -> None:
    inbox, _ = smtp_server
    message = await mail.queue_email(
        to="parent@example.com",
        subject="Booking confirmed",
        body="See you on Saturday.",
        dedupe_key="test:killed-worker",
        now=app.state.clock.now(),
    )
    await mail.deliver_later(message)
    inbox.stall()
    log_file = tmp_path / "worker.log"

    first = start_worker(settings, log_file)
    second: subprocess.Popen[bytes] | None = None
    try:
        await wait_until(lambda: inbox.data_started == 1, timeout=30, interval=0.1, what=f"the first worker to reach DATA; log: {log_file}")
        assert nice_of(first.pid) == min(19, os.nice(0) + 10), "the worker yields the CPU to requests (WORKER_NICE)"
        assert (await OutboxMessage.get(id=message.id)).status == OutboxStatus.SENDING
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
        inbox.release()

        second = start_worker(settings, log_file)

        async def sent() -> bool:
            return (await OutboxMessage.get(id=message.id)).status == OutboxStatus.SENT

        await wait_until(sent, timeout=JOB_TIMEOUT_S + 40, interval=0.1, what=f"the second worker to send the email; log: {log_file}")
        # Nothing is left on Redis that could send it again: the killed worker's job has run to its end.
        await wait_until(
            lambda: _no_delivery_jobs_left(own_redis.url),
            timeout=30,
            interval=0.1,
            what=f"the second worker to finish its job; log: {log_file}",
        )
    finally:
        for process in (first, second):
            if process is not None and process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()

    assert await delivery_jobs_left(own_redis.url) == []
    assert len(inbox.messages) == 1, log_file.read_text()
    assert inbox.messages[0]["X-Shortbreaks-Message-Id"] == str(message.id)
    row = await OutboxMessage.get(id=message.id)
    assert (row.status, row.attempts) == (OutboxStatus.SENT, 1)
    assert inbox.data_started == 2, "the first worker's send was cut off, the second one's went through"
