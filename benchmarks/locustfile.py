"""One GET, as fast as the server answers (benchmarks/verify_load.py sets LOAD_PATH)."""

import os

from locust import FastHttpUser, constant, task


class Visitor(FastHttpUser):
    wait_time = constant(0)

    @task
    def get(self):
        self.client.get(os.environ["LOAD_PATH"], name="target")
