"""The course's facts, defined once.

Everything the seed page names (the seven benefits, Utecht's five stages, the tips, the mediums, the
backchannel norms) and the course's own prompts live here as frozen data. Notebooks, widgets, exports and
tests all read from this module, so a wording changes in one place.

The prose is the course's own paraphrase of the seed page (a 2010-era teacher wiki page) and of the sources
listed in :data:`SOURCES`.
"""

from __future__ import annotations

from dataclasses import dataclass

COURSE_TITLE = "Personal Learning Networks for Teachers"

#: Adults read about 200-240 words a minute (Brysbaert 2019); the course estimates with the lower end.
READING_WORDS_PER_MINUTE = 200


@dataclass(frozen=True)
class Module:
    """One page of the course."""

    number: int  # 0 is the start page
    slug: str
    notebook: str
    title: str
    minutes: int  # reading plus exercises, rounded up
    summary: str


START = Module(0, "start", "00_start.ipynb", "Start here", 5,
               "What a PLN is, how the course works, and where your work is kept.")
MODULES: tuple[Module, ...] = (
    Module(1, "why-pln", "01_why_pln.ipynb", "Why create a PLN?", 30,
           "What a personal learning network is, why the 2010 National Educational Technology Plan called "
           "for connected teaching, and the seven ways a PLN changes a teacher's work. You rate yourself "
           "on each and choose one to grow."),
    Module(2, "stages", "02_stages.ipynb", "Stages of PLN adoption", 35,
           "Jeff Utecht's five stages, from Immersion to Balance. You find where you are today, plan a "
           "week that keeps you out of 'Know it all', and commit to first steps."),
    Module(3, "tools", "03_tools.ipynb", "Tools for building your PLN", 45,
           "The mediums that carry a PLN: one identity everywhere, social bookmarking, communities, "
           "blogs and feeds, and a live backchannel. You set each one up for real."),
)
PAGES: tuple[Module, ...] = (START, *MODULES)
#: Every page's browser-tab title (the notebook's ``metadata.title``; Voila's template puts it in ``<title>``).
def page_title(page: Module) -> str:
    """``Module 2 · Stages of PLN adoption — PLN course``; the start page is ``Start here — PLN course``."""
    return f"{page.title} — PLN course" if page.number == 0 else f"Module {page.number} · {page.title} — PLN course"


#: The facilitator's page (not part of the course's sequence; only the facilitator's link opens it).
FACILITATOR_NOTEBOOK = "facilitator.ipynb"


def module(slug_or_number: str | int) -> Module:
    """Look a page up by its slug (``"stages"``) or number (0-3)."""
    for page in PAGES:
        if slug_or_number in (page.slug, page.number):
            return page
    raise KeyError(f"no course page {slug_or_number!r}")


# --- Module 01: why create a PLN ------------------------------------------------------------------------


@dataclass(frozen=True)
class Benefit:
    """One of the seven "teachers become ..." outcomes, with a self-rating statement."""

    key: str
    name: str  # "aware"
    meaning: str  # the seed's outcome in the course's words
    statement: str  # what the learner rates 1-5


BENEFITS: tuple[Benefit, ...] = (
    Benefit("aware", "More aware",
            "You hear about new research, new strategies, new educators and new ideas sooner.",
            "I regularly come across research or teaching strategies from outside my own school."),
    Benefit("connected", "Connected",
            "You meet teachers who share your interests and your problems, and keep in touch with them.",
            "I have people beyond my building I can ask about a teaching problem."),
    Benefit("empowered", "Empowered",
            "You take charge of your own professional growth instead of waiting for it to be scheduled.",
            "I decide what I want to learn next and find my own ways to learn it."),
    Benefit("model", "A model for students",
            "Having learned in a networked way yourself, you can show students how to do it.",
            "I show my students how I learn from other people online."),
    Benefit("confident", "Confident",
            "Others value what you share, and that recognition makes you a surer, more skilled teacher.",
            "Colleagues outside my school have found something I shared useful."),
    Benefit("community", "Part of a connected community",
            "By sharing and connecting you become a leader, inside your classroom and beyond it.",
            "I contribute to other teachers' learning, not only consume what they share."),
    Benefit("learner", "A learner",
            "You keep learning, which the 2010 wiki page this course is based on calls the most important "
            "requirement for a teacher today.",
            "I learned something this month that changed how I teach."),
)

#: Anchors for the 1-5 self-rating scale.
RATING_ANCHORS: dict[int, str] = {
    1: "Not like me",
    2: "A little like me",
    3: "Somewhat like me",
    4: "Mostly like me",
    5: "Very much like me",
}

NETP_2010 = (
    "In November 2010 the US Department of Education's Office of Educational Technology published "
    "*Transforming American Education: Learning Powered by Technology*, the National Educational Technology "
    "Plan. Its teaching chapter, \"Prepare and Connect\", describes **connected teaching**: instead of "
    "working alone, educators build online learning communities with colleagues, experts and their own "
    "students, so that professional learning becomes collaborative, coherent and continuous. It recommends "
    "using social networking to build communities of practice that support learning across a whole career."
)

# --- The backchannel ------------------------------------------------------------------------------------

BACKCHANNEL_NORMS: tuple[str, ...] = (
    "Be professional.",
    "Be thoughtful.",
    "Everything is recorded (even when deleted).",
)
BACKCHANNEL_PURPOSE = "Use this space to exchange ideas, share websites and ask each other questions."

# --- Module 02: stages ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Stage:
    """One of Jeff Utecht's five stages of PLN adoption (2008), in the course's words."""

    number: int
    key: str
    name: str
    summary: str
    signs: tuple[str, ...]


STAGES: tuple[Stage, ...] = (
    Stage(1, "immersion", "Immersion",
          "You join every network you can find where there are people and ideas to connect with. "
          "Connections and collaboration take off quickly.",
          ("You are signing up for new spaces most weeks.",
           "Everything looks worth following.",
           "You are meeting many new people at once.")),
    Stage(2, "evaluation", "Evaluation",
          "You start to judge which networks deserve your time and narrow your focus, and a sense of "
          "urgency creeps in: surely there is a way to keep up with all of it?",
          ("You are comparing spaces and dropping some.",
           "You feel you are missing things.",
           "You look for a system to keep up with everything.")),
    Stage(3, "know-it-all", "Know it all",
          "You spend many hours trying to learn everything, discover how much you do not know, and feel "
          "unable to switch off, sometimes at the cost of sleep and of the people around you.",
          ("You check your networks late at night or first thing in the morning.",
           "Time online is crowding out sleep, family or friends.",
           "Disconnecting feels like falling behind.")),
    Stage(4, "perspective", "Perspective",
          "Life comes back into view, often because something forces a break: a trip without "
          "connection, or time with family and friends who are not online.",
          ("A break showed you what you had been missing offline.",
           "You are rethinking how much time the network gets.",
           "You notice that the network carried on fine without you.")),
    Stage(5, "balance", "Balance",
          "You find a balance between learning and living. You accept that you cannot know it all, trust "
          "your network to hold knowledge for you, and learn what you need when you need it.",
          ("You check in on your own schedule.",
           "You trust your network to surface what matters.",
           "You feel calm about what you have not read.")),
)

STAGES_ARE_NOT_A_LADDER = (
    "Utecht called the stages tentative: not everyone passes through all of them, and you can be at "
    "different stages for different interests. Readers of his post suggested variations: a *roundabout*, "
    "where people cycle from Balance back into Know it all when something new comes along; a *fork* after "
    "stage 3, where some people give up on a PLN altogether; and swapping stages 2 and 3."
)

# --- Getting started ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Tip:
    """A getting-started tip from the seed, with a concrete first step."""

    key: str
    text: str
    first_step: str


TIPS: tuple[Tip, ...] = (
    Tip("same-username", "Use the same username on every service where you can.",
        "Write down your usernames on the services you already use and pick the one to keep."),
    Tip("one-email", "Use one email address for all your online identities and logins, kept apart from "
        "your personal and school mail.",
        "Choose (or create) the one address you will use for your professional accounts."),
    Tip("give-and-take", "It really is a conversation: give and take, interact and share.",
        "This week, reply to one post or share one resource with a note on how you used it."),
    Tip("start-slowly", "Start slowly and build your network over time.",
        "Pick two spaces to try for the next month, and leave the rest for later."),
)

# --- Module 03: mediums ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Medium:
    """A kind of tool the seed recommends, what happened to its 2010 services, and today's equivalents."""

    key: str
    name: str
    in_plain_english: str
    then: str  # the 2010 service the seed named
    what_happened: str
    today: tuple[str, ...]


MEDIUMS: tuple[Medium, ...] = (
    Medium("backchannel", "Backchannel",
           "A side conversation that runs alongside a talk or a class, where everyone can ask, answer and "
           "share links without interrupting.",
           "TodaysMeet", "Closed in June 2018.",
           ("Padlet", "Slido", "Mentimeter", "LMS or meeting chat", "Conference hashtags")),
    Medium("bookmarking", "Social bookmarking",
           "Saving the web pages you find useful online instead of in one browser, with tags so you can "
           "find them again, and sharing them so others benefit from what you found.",
           "Delicious and Diigo", "Delicious was sold in 2011, bought by Pinboard and made read-only in 2017.",
           ("Diigo", "Pinboard", "Raindrop.io", "Wakelet")),
    Medium("community", "Online communities",
           "A members' space around a shared interest, with discussions, groups, events and profiles, "
           "where you can get to know people over time.",
           "Ning", "Ning ended its free networks in 2010.",
           ("Discord", "Slack", "Facebook Groups", "Mighty Networks", "School Teams or Google communities")),
    Medium("feeds", "Blogs and RSS feeds",
           "Blogs are where educators write at length; a feed reader collects new posts from the blogs "
           "you choose into one place, so you visit one page instead of twenty.",
           "Google Reader", "Retired on 1 July 2013.",
           ("Feedly", "Inoreader", "NewsBlur", "NetNewsWire")),
    Medium("microblog", "Short-post networks",
           "Quick posts and conversations, often gathered around a hashtag or a scheduled chat.",
           "Twitter chats such as #edchat", "Educators dispersed to other networks after 2022.",
           ("Bluesky (#EduSky, starter packs)", "Mastodon", "LinkedIn")),
    Medium("explainers", "Explainer videos",
           "Short videos that explain a technology in plain language: Common Craft's series began with "
           "\"RSS in Plain English\" in 2007 and was offered in several languages.",
           "Common Craft videos", "Still published; check its current terms before showing the videos in class.",
           ("Common Craft",)),
)

TOOLS_DIE = (
    "Every 2010 service named on the wiki page this course is based on has closed, frozen or changed hands. "
    "A PLN lives in your relationships and habits, not in a platform: keep one username everywhere, keep a "
    "home base you own (such as a blog), and export your lists regularly (bookmarks as an HTML bookmark file, "
    "feeds as OPML)."
)

# --- Reflection prompts ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Prompt:
    """A reflection prompt: the key answers are saved under, the question, and optional sub-prompts."""

    key: str
    question: str
    hints: tuple[str, ...] = ()


PROMPTS: dict[str, Prompt] = {p.key: p for p in (
    Prompt("start/hopes", "What do you hope to get out of this course?",
           ("Think of one problem in your teaching you would like more people to help you with.",)),
    Prompt("why-pln/what", "What? Where do you learn about teaching today, and from whom?",
           ("List the people, places and publications you turned to in the last month.",)),
    Prompt("why-pln/so-what", "So what? What does that pattern mean for you and your students?",
           ("Which of the seven benefits is missing from it?", "Who is not in it yet?")),
    Prompt("why-pln/now-what", "Now what? What will you do differently in the next two weeks?",
           ("Name one concrete action and when you will do it.",)),
    Prompt("stages/description", "Description: what happened the last time you learned something from "
           "other teachers online?"),
    Prompt("stages/feelings", "Feelings: how did you feel about it then, and how do you feel now?"),
    Prompt("stages/evaluation", "Evaluation: what was good and what was difficult about it?"),
    Prompt("stages/analysis", "Analysis: why did it go the way it did? Which stage were you in?"),
    Prompt("stages/conclusion", "Conclusion: what else could you have done?"),
    Prompt("stages/action", "Action plan: if it happened again, what would you do?"),
    Prompt("tools/portable", "If the service you rely on most closed tomorrow, what would you lose, and "
           "what will you do about it this week?",
           ("Think of bookmarks, feeds, contacts and conversations.",)),
)}


def prompt(key: str) -> Prompt:
    """The prompt saved under ``key``; a KeyError names the key when it is not defined."""
    try:
        return PROMPTS[key]
    except KeyError:
        raise KeyError(f"no reflection prompt {key!r}") from None


# --- Sources --------------------------------------------------------------------------------------------

SOURCES: dict[str, str] = {
    "netp2010": "US Department of Education, Office of Educational Technology (2010). *Transforming American "
                "Education: Learning Powered by Technology* (National Educational Technology Plan 2010).",
    "proposal": "\"A 21st Century Professional Development Proposal\", *LeaderTalk* blog, Education Week "
                "(January 2009): the source of the seven \"teachers become ...\" outcomes.",
    "richardson": "Richardson, W. & Mancabelli, R. (2011). *Personal Learning Networks: Using the Power of "
                  "Connections to Transform Education*. Solution Tree.",
    "gray": "Lucy Gray, educator and founder of the Global Education Collaborative Ning (2007), wrote a blog "
            "post on PLNs that the wiki page this course is based on recommends (the post itself could not be "
            "found online when this course was written).",
    "utecht": "Utecht, J. (2008, April). \"Stages of PLN Adoption\". *The Thinking Stick* (blog).",
    "trust2016": "Trust, T., Krutka, D. G. & Carpenter, J. P. (2016). \"Together we are better\": "
                 "Professional learning networks for teachers. *Computers & Education*, 102.",
    "krutka2017": "Krutka, D. G., Carpenter, J. P. & Trust, T. (2017). Enriching professional learning "
                  "networks: A framework for identification, reflection, and intention. *TechTrends*, 61(3).",
    "iste": "ISTE Standards for Educators, indicator 1b: educators take part in local and global learning "
            "networks.",
    "brysbaert2019": "Brysbaert, M. (2019). How many words do we read per minute? *Journal of Memory and "
                     "Language*, 109.",
    "darlinghammond2017": "Darling-Hammond, L., Hyler, M. E. & Gardner, M. (2017). *Effective Teacher "
                          "Professional Development*. Learning Policy Institute.",
    "gibbs1988": "Gibbs, G. (1988). *Learning by Doing: A Guide to Teaching and Learning Methods*.",
    "commoncraft": "Common Craft, \"RSS in Plain English\" (2007) and the other explainer videos.",
}


# --- Starter feeds --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StarterFeed:
    """An education blog suggested to learners who have no feeds yet."""

    title: str
    url: str
    about: str


#: Suggestions only: blogs move, and the reader says so plainly when one has.
STARTER_FEEDS: tuple[StarterFeed, ...] = (
    StarterFeed("Cult of Pedagogy", "https://www.cultofpedagogy.com/feed/",
                "Jennifer Gonzalez on teaching strategies, with a podcast."),
    StarterFeed("Larry Ferlazzo's Websites of the Day", "https://larryferlazzo.edublogs.org/feed/",
                "Daily curated resources, especially for teachers of English learners."),
    StarterFeed("MindShift (KQED)", "https://www.kqed.org/mindshift/feed",
                "Reporting on how we will learn, from a public broadcaster."),
    StarterFeed("Edutopia", "https://www.edutopia.org/rss.xml",
                "Classroom-tested practice from the George Lucas Educational Foundation."),
    StarterFeed("The Thinking Stick (Jeff Utecht)", "https://www.thethinkingstick.com/feed/",
                "The blog where the stages of PLN adoption were first described."),
    StarterFeed("Ditch That Textbook", "https://ditchthattextbook.com/feed/",
                "Matt Miller on teaching with technology."),
)


# --- Stage finder statements ----------------------------------------------------------------------------


@dataclass(frozen=True)
class StageStatement:
    """A statement the learner agrees or disagrees with, and the stage agreeing is a sign of."""

    key: str
    text: str
    stage: str  # Stage.key
    said: str  # "you said you ..." wording for the explanation


STAGE_STATEMENTS: tuple[StageStatement, ...] = (
    StageStatement("joining", "I'm joining lots of new networks and spaces right now.", "immersion",
                   "are joining lots of new networks"),
    StageStatement("everything", "Almost everything I find seems worth following.", "immersion",
                   "find almost everything worth following"),
    StageStatement("choosing", "I'm deciding which networks deserve my time, and dropping some.", "evaluation",
                   "are choosing which networks deserve your time"),
    StageStatement("missing", "I worry that I'm missing important things.", "evaluation",
                   "worry about missing important things"),
    StageStatement("late", "I check my networks late at night or first thing in the morning.", "know-it-all",
                   "check your networks late at night or first thing in the morning"),
    StageStatement("sleep", "Keeping up cuts into my sleep or my time with family and friends.", "know-it-all",
                   "lose sleep or time with people to keep up"),
    StageStatement("break", "A recent break from being online changed how I see my networks.", "perspective",
                   "had a break that changed how you see your networks"),
    StageStatement("rethinking", "I'm rethinking how much time my networks should get.", "perspective",
                   "are rethinking how much time your networks get"),
    StageStatement("own-schedule", "I check in on my own schedule and trust my network to surface what matters.",
                   "balance", "check in on your own schedule and trust your network"),
    StageStatement("calm", "I feel calm about the things I haven't read.", "balance",
                   "feel calm about what you haven't read"),
)

AGREEMENT: dict[int, str] = {-1: "Disagree", 0: "Not sure", 1: "Agree"}
