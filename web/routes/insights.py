"""Metrics and themes pages and API (placeholder until the insights work lands)."""

from fastapi import APIRouter

router = APIRouter()
