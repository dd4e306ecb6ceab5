"""Capture tasks: they take ids and are safe to run again."""

from __future__ import annotations

from celery import shared_task

from capture.services import process_input


@shared_task(acks_late=True)
def process_capture_input(input_id: int) -> list[str]:
    """Run the capture pipeline on one input; returns the chrono numbers registered."""
    return [mail.chrono_number or "" for mail in process_input(input_id)]
