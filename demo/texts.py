"""Short, generic write-ups for demo reviews: invented, with no names, contacts or links."""

from __future__ import annotations

NARRATIVES = {
    "ghosted": (
        "Friendly first call and a clear description of the role. I was told to expect news"
        " within a week. I followed up twice and never heard anything again.",
        "Two interview rounds and a short presentation. After the last round the replies simply"
        " stopped.",
        "Applied online, got an automatic confirmation and then nothing at all.",
        "The recruiter was enthusiastic and said the team wanted to move fast. That was the last"
        " message I received.",
        "Completed a take-home exercise that took most of a weekend. No acknowledgement, no"
        " decision.",
    ),
    "waiting": (
        "Had a screening call and was told the next step would be scheduled soon. Still waiting.",
        "Finished the final round recently; they said a decision would take a couple of weeks.",
        "Interviews went well. I was told the hiring manager is away and they will be in touch.",
    ),
    "offer": (
        "A well organised process: every step was explained and the offer came when promised.",
        "Quick and respectful. Interviewers were prepared and the recruiter kept me updated.",
        "Long process with several rounds, but they always told me where things stood.",
    ),
    "rejected_with_feedback": (
        "Not selected, but the recruiter called to explain what the panel had missed and what"
        " would have made the difference. Genuinely useful.",
        "The rejection came with specific notes on my exercise. Disappointing, but fair.",
        "They told me the other candidate had more experience with one part of the job, and"
        " suggested I apply again next year.",
    ),
    "rejected": (
        "Received a standard rejection email a few days after the interview.",
        "A template no after the screening call. At least they answered.",
        "Rejected by email after the final round, with no reason given.",
    ),
    "rescinded": (
        "I was told I had the job and to wait for the contract. A week later the offer was"
        " withdrawn because of a hiring freeze.",
        "The offer was pulled after I had already resigned from my previous job.",
    ),
    "withdrew": (
        "I accepted another offer before they reached a decision and let them know.",
        "The process was taking too long, so I withdrew after the second round.",
        "Withdrew after learning more about the role; it was not the right fit for me.",
    ),
}

ADVICE = (
    "A short no is better than silence.",
    "Please tell candidates when they are no longer being considered.",
    "Give a realistic timeline and keep to it.",
    "If the role is put on hold, say so.",
    "Candidates who do a take-home task deserve at least a reply.",
    "Keep doing what you are doing: clear steps and quick answers.",
    "A sentence of feedback after a final round goes a long way.",
    "Answer follow-up emails, even if only to say there is no news yet.",
)
