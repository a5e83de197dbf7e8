"""The Elective Recovery Fund calculator over the API: validation here, the scheme from the round
whose ERF months the request gives (erf.selectors), arithmetic in erf.calculator."""

from __future__ import annotations

from decimal import Decimal

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from erf.calculator import ErfInputError, MonthInput, estimate, parse_month
from erf.selectors import erf_scheme_covering, scheme_defaults

_MONEY = {"max_digits": 15, "decimal_places": 2}
# A month has 18 to 23 working days, so the ratio of two is about 0.8 to 1.3; anything past 2 is a
# typing error, and a large one would overflow the figures the answer shows.
MAX_WORKING_DAY_RATIO = Decimal(2)


class ErfMonthSerializer(serializers.Serializer):
    month = serializers.CharField(help_text="The 2021/22 month as YYYY-MM, for example 2021-04.")
    baseline = serializers.DecimalField(
        **_MONEY, min_value=0, help_text="2019/20 baseline value (£)."
    )
    activity = serializers.DecimalField(
        **_MONEY, min_value=0, help_text="Activity value delivered or planned (£)."
    )
    threshold_pct = serializers.DecimalField(
        max_digits=5,
        decimal_places=2,
        min_value=0,
        max_value=200,
        required=False,
        help_text="Threshold as a percentage of the baseline; defaults to the one of the round's "
        "ERF "
        "scheme that covers the month.",
    )
    working_day_ratio = serializers.DecimalField(
        max_digits=14,
        decimal_places=10,
        min_value=0,
        max_value=MAX_WORKING_DAY_RATIO,
        required=False,
        help_text="Working days in the month over the same month of the scheme's base year; "
        "defaults to the England and Wales calendar.",
    )
    counting_coding_adjustment = serializers.DecimalField(
        **_MONEY,
        required=False,
        help_text="Subtracted from both thresholds (£); negative where a service moved into the "
        "system.",
    )

    def validate_month(self, value: str) -> str:
        try:
            parse_month(value)
        except ErfInputError as error:
            raise serializers.ValidationError(str(error)) from error
        return value


class ErfEstimateRequestSerializer(serializers.Serializer):
    months = ErfMonthSerializer(many=True, allow_empty=False)
    round = serializers.CharField(
        required=False,
        max_length=100,
        help_text='A planning round by name (e.g. "2022/23"): use its ERF scheme. Without it, the '
        "scheme is the one of the newest round whose ERF months include every month given.",
    )

    def validate_months(self, value: list[dict]) -> list[dict]:
        months = [item["month"] for item in value]
        repeated = sorted({month for month in months if months.count(month) > 1})
        if repeated:
            raise serializers.ValidationError(
                f"Each month may appear once; repeated: {', '.join(repeated)}."
            )
        return value


class ErfMonthResultSerializer(serializers.Serializer):
    month = serializers.CharField()
    threshold_pct = serializers.DecimalField(max_digits=5, decimal_places=2)
    working_day_ratio = serializers.DecimalField(
        max_digits=6,
        decimal_places=4,
        help_text="Shown to four places; the estimate uses the exact ratio.",
    )
    lower_threshold = serializers.IntegerField(help_text="£, to the nearest pound.")
    upper_threshold = serializers.IntegerField(help_text="£, to the nearest pound.")
    between = serializers.IntegerField(
        help_text="Activity value between the thresholds (£), paid at 100%."
    )
    above_upper = serializers.IntegerField(
        help_text="Activity value above the upper threshold (£), paid at 120%."
    )
    additional_funding = serializers.IntegerField(
        help_text="£, to the nearest pound; never negative."
    )


class ErfEstimateSerializer(serializers.Serializer):
    months = ErfMonthResultSerializer(many=True)
    total = serializers.IntegerField(
        help_text="Total additional funding (£): the sum of the monthly figures."
    )


class ErfEstimate(APIView):
    """Estimate the Elective Recovery Fund payment, month by month (the 2021/22 implementation
    guidance §3)."""

    @extend_schema(request=ErfEstimateRequestSerializer, responses={200: ErfEstimateSerializer})
    def post(self, request):
        incoming = ErfEstimateRequestSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        months = incoming.validated_data["months"]
        round_name = incoming.validated_data.get("round")
        scheme = erf_scheme_covering(
            months=[item["month"] for item in months], round_name=round_name
        )
        if scheme is None:
            _require_figures(months=months, round_name=round_name)
        rates = scheme_defaults(scheme=scheme)
        try:
            result = estimate(
                months=[
                    MonthInput(**{**rates.month_defaults(month=item["month"]), **item})
                    for item in months
                ],
                **rates.estimate_arguments,
            )
        except ErfInputError as error:
            # The serializer catches what it can name a field for; the calculator has the last word.
            raise serializers.ValidationError({"months": [str(error)]}) from error
        except ArithmeticError as error:
            raise serializers.ValidationError(
                {"months": ["These figures are too large to estimate; check the amounts."]}
            ) from error
        return Response(ErfEstimateSerializer(result).data)


def _require_figures(*, months: list[dict], round_name: str | None) -> None:
    """Without a scheme covering the months there is no national threshold or ratio to default
    to."""
    where = f"the ERF scheme of {round_name}" if round_name else "every round's ERF scheme"
    errors = []
    for item in months:
        missing = [name for name in ("threshold_pct", "working_day_ratio") if name not in item]
        errors.append(
            {name: [f"{item['month']} is outside {where}; give its {name}."] for name in missing}
        )
    if any(errors):
        raise serializers.ValidationError({"months": errors})
