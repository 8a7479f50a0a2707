"""Pages of long listings."""

from functools import cached_property

from django.core.paginator import Paginator


class CappedPaginator(Paginator):
    """A Paginator that counts at most `cap` items: counting every story that names *Russia*
    costs more than the page itself, and nobody pages through 1,000 pages of them (the
    filters and the search reach older ones). `capped` tells the template there are more."""

    def __init__(self, object_list, per_page, cap: int = 2_000, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self.cap = cap

    @cached_property
    def counted(self) -> int:
        return self.object_list[: self.cap + 1].count()

    @cached_property
    def count(self) -> int:
        return min(self.counted, self.cap)

    @property
    def capped(self) -> bool:
        return self.counted > self.cap
