"""The Elective Recovery Fund calculator over the API (SPEC §7): validation here, arithmetic in erf.calculator."""

from __future__ import annotations

from decimal import Decimal

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from erf.calculator import (
    THRESHOLD_PCT,
    UPPER_PCT,
    ErfInputError,
    MonthInput,
    estimate,
    parse_month,
)

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
        max_value=UPPER_PCT,
        required=False,
        help_text="Threshold as a percentage of the baseline; defaults to the national one (April to September 2021).",
    )
    working_day_ratio = serializers.DecimalField(
        max_digits=14,
        decimal_places=10,
        min_value=0,
        max_value=MAX_WORKING_DAY_RATIO,
        required=False,
        help_text="2021/22 working days over 2019/20 working days; defaults to the England and Wales calendar.",
    )
    counting_coding_adjustment = serializers.DecimalField(
        **_MONEY,
        required=False,
        help_text="Subtracted from both thresholds (£); negative where a service moved into the system.",
    )

    def validate_month(self, value: str) -> str:
        try:
            parse_month(value)
        except ErfInputError as error:
            raise serializers.ValidationError(str(error)) from error
        return value

    def validate(self, attrs: dict) -> dict:
        # Outside the national schedule there is neither a threshold nor, for 2022, a bank-holiday calendar.
        if attrs["month"] not in THRESHOLD_PCT:
            missing = [name for name in ("threshold_pct", "working_day_ratio") if name not in attrs]
            if missing:
                raise serializers.ValidationError(
                    {
                        name: f"{attrs['month']} is outside April to September 2021; give its {name}."
                        for name in missing
                    }
                )
        return attrs


class ErfEstimateRequestSerializer(serializers.Serializer):
    months = ErfMonthSerializer(many=True, allow_empty=False)

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
    """Estimate the Elective Recovery Fund payment, month by month (seeds/004 §3)."""

    @extend_schema(request=ErfEstimateRequestSerializer, responses={200: ErfEstimateSerializer})
    def post(self, request):
        incoming = ErfEstimateRequestSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        try:
            result = estimate(
                months=[MonthInput(**item) for item in incoming.validated_data["months"]]
            )
        except ErfInputError as error:
            # The serializer catches what it can name a field for; the calculator has the last word.
            raise serializers.ValidationError({"months": [str(error)]}) from error
        except ArithmeticError as error:
            raise serializers.ValidationError(
                {"months": ["These figures are too large to estimate; check the amounts."]}
            ) from error
        return Response(ErfEstimateSerializer(result).data)
