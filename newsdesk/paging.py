"""Pages of long listings."""

from functools import cached_property

from django.core.paginator import Paginator


class CappedPaginator(Paginator):
    """A Paginator that counts at most `cap` items (1,000: 40 pages of 25): counting every story that names *Russia*
    costs more than the page itself, and nobody pages through thousands of pages of them (the
    filters and the search reach older ones). `capped` tells the template there are more."""

    CAP = 1_000

    def __init__(self, object_list, per_page, cap: int | None = None, counting=None, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self.cap = cap or self.CAP
        # Another query with as many rows, cheaper to count (read from the other side of a join).
        self.counting = object_list if counting is None else counting

    @cached_property
    def counted(self) -> int:
        head = self.counting[: self.cap + 1]
        return head.count() if hasattr(head, "query") else len(head)

    @cached_property
    def count(self) -> int:
        return min(self.counted, self.cap)

    @property
    def capped(self) -> bool:
        return self.counted > self.cap


class KnownCountPaginator(Paginator):
    """A Paginator told its count: the ids of a search's pool are already in hand."""

    def __init__(self, object_list, per_page, count: int, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self.known = count

    @cached_property
    def count(self) -> int:
        return self.known
