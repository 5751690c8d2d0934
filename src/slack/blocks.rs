//! Renders a `Message` as Block Kit, clamping every text to Slack's published limits.

use slack_morphism::prelude::*;

use crate::views::format::notification_text;
use crate::views::{
    clamp, Block, Button, ButtonStyle, Message, Modal, INPUT_ACTION, MAX_BUTTON_TEXT,
    MAX_CONTEXT_ELEMENTS, MAX_FIELDS, MAX_FIELD_TEXT, MAX_HEADER_TEXT, MAX_MESSAGE_BLOCKS,
    MAX_MODAL_TITLE, MAX_SECTION_TEXT, MAX_VIEW_BLOCKS,
};

/// Slack notifications show this; keep it short and plain.
const MAX_FALLBACK_TEXT: usize = 3000;

pub fn message_content(message: &Message) -> SlackMessageContent {
    let fitted = message.clone().fit(MAX_MESSAGE_BLOCKS);
    SlackMessageContent::new()
        .with_text(clamp(
            &notification_text(&fitted.fallback),
            MAX_FALLBACK_TEXT,
        ))
        .with_blocks(fitted.blocks.iter().map(block).collect())
}

pub fn modal_view(modal: &Modal) -> SlackView {
    SlackView::Modal(
        SlackModalView::new(
            pt!(clamp(&modal.title, MAX_MODAL_TITLE)),
            modal
                .blocks
                .iter()
                .take(MAX_VIEW_BLOCKS)
                .map(block)
                .collect(),
        )
        .with_submit(pt!(clamp(&modal.submit, MAX_MODAL_TITLE)))
        .with_close(pt!("Cancel"))
        .with_callback_id(modal.callback_id.into())
        .with_private_metadata(clamp(&modal.private_metadata, 3000)),
    )
}

pub fn home_view(message: &Message) -> SlackView {
    let fitted = message.clone().fit(MAX_VIEW_BLOCKS);
    SlackView::Home(SlackHomeView::new(
        fitted.blocks.iter().map(block).collect(),
    ))
}

fn mrkdwn(text: &str, max: usize) -> SlackBlockText {
    SlackBlockText::MarkDown(SlackBlockMarkDownText::new(clamp(text, max)))
}

fn block(block: &Block) -> SlackBlock {
    match block {
        Block::Header(title) => SlackHeaderBlock::new(pt!(clamp(title, MAX_HEADER_TEXT))).into(),
        Block::Section {
            text,
            fields,
            button,
        } => {
            let mut section = SlackSectionBlock::new();
            if !text.is_empty() {
                section = section.with_text(mrkdwn(text, MAX_SECTION_TEXT));
            }
            if !fields.is_empty() {
                section = section.with_fields(
                    fields
                        .iter()
                        .take(MAX_FIELDS)
                        .map(|f| mrkdwn(f, MAX_FIELD_TEXT))
                        .collect(),
                );
            }
            if let Some(b) = button {
                section =
                    section.with_accessory(SlackSectionBlockElement::Button(button_element(b)));
            }
            section.into()
        }
        Block::Context(lines) => SlackContextBlock::new(
            lines
                .iter()
                .take(MAX_CONTEXT_ELEMENTS)
                .map(|line| {
                    SlackContextBlockElement::MarkDown(SlackBlockMarkDownText::new(clamp(
                        line,
                        MAX_FIELD_TEXT,
                    )))
                })
                .collect(),
        )
        .into(),
        Block::Divider => SlackDividerBlock::new().into(),
        Block::Link { text, button, url } => {
            let mut section = SlackSectionBlock::new().with_text(mrkdwn(text, MAX_SECTION_TEXT));
            if let Ok(url) = url::Url::parse(url) {
                let link = SlackBlockButtonElement::new(pt!(clamp(button, MAX_BUTTON_TEXT)))
                    .with_action_id("officehours.link".into())
                    .with_url(url)
                    .with_style(SlackBlockButtonStyle::Primary);
                section = section.with_accessory(SlackSectionBlockElement::Button(link));
            }
            section.into()
        }
        Block::Input {
            block_id,
            label,
            multiline,
            optional,
        } => SlackInputBlock::new(
            pt!(clamp(label, 2000)),
            SlackInputBlockElement::PlainTextInput(
                SlackBlockPlainTextInputElement::new()
                    .with_action_id(INPUT_ACTION.into())
                    .with_multiline(*multiline)
                    .with_max_length(3000),
            ),
        )
        .with_block_id((*block_id).into())
        .with_optional(*optional)
        .into(),
        Block::Actions(buttons) => SlackActionsBlock::new(
            buttons
                .iter()
                .map(|b| SlackActionBlockElement::Button(button_element(b)))
                .collect(),
        )
        .into(),
    }
}

fn button_element(button: &Button) -> SlackBlockButtonElement {
    let element = SlackBlockButtonElement::new(pt!(clamp(&button.text, MAX_BUTTON_TEXT)))
        .with_action_id(button.action_id.into())
        .with_value(button.value.clone());
    match button.style {
        ButtonStyle::Default => element,
        ButtonStyle::Primary => element.with_style(SlackBlockButtonStyle::Primary),
        // Destructive buttons ask first: a stray click should not delete a window.
        ButtonStyle::Danger => element
            .with_style(SlackBlockButtonStyle::Danger)
            .with_confirm(SlackBlockConfirmItem::new(
                pt!("Are you sure?"),
                md!("This can't be undone."),
                pt!(clamp(&button.text, 30)),
                pt!("Keep it"),
            )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_slack_block_kit_json() {
        let mut message = Message::new("fallback");
        message.push(Block::Header("Office hours".into()));
        message.push(Block::Section {
            text: "hi".into(),
            fields: vec!["*a*\nb".into()],
            button: None,
        });
        let json = serde_json::to_value(message_content(&message)).unwrap();
        assert_eq!(json["text"], "fallback");
        assert_eq!(json["blocks"][0]["type"], "header");
        assert_eq!(json["blocks"][0]["text"]["type"], "plain_text");
        assert_eq!(json["blocks"][1]["type"], "section");
        assert_eq!(json["blocks"][1]["text"]["type"], "mrkdwn");
        assert_eq!(json["blocks"][1]["fields"][0]["text"], "*a*\nb");
    }

    #[test]
    fn long_texts_and_many_blocks_stay_within_limits() {
        let mut message = Message::new("x");
        for _ in 0..70 {
            message.push(Block::text("y".repeat(5000)));
        }
        let json = serde_json::to_value(message_content(&message)).unwrap();
        let blocks = json["blocks"].as_array().unwrap();
        assert_eq!(blocks.len(), MAX_MESSAGE_BLOCKS);
        assert!(blocks.iter().all(
            |b| b["text"]["text"].as_str().map_or(0, |t| t.chars().count()) <= MAX_SECTION_TEXT
        ));
    }
}
