"""Complaints (kiến nghị) about a challenge's decisions, and the standstill period
(thời gian chờ trước khi ký hợp đồng) during which they can be filed and no pilot order
can be offered or signed."""
