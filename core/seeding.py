"""The one place the seed is set (Python, NumPy, torch), so a config + seed reproduces a run on CPU."""

import random

import numpy as np
import torch


def set_seed(seed: int, threads: int | None = None) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    if threads:
        torch.set_num_threads(threads)
